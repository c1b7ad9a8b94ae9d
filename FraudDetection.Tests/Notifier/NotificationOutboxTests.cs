using FraudDetection.Notifier.Outbox;

namespace FraudDetection.Tests.Notifier;

public sealed class NotificationOutboxTests : IDisposable
{
    private readonly TempFolder _data = new("fd-notifier");

    public void Dispose() => _data.Dispose();

    private static OutboxEntry Entry(string transNum) => new(
        DateTimeOffset.UtcNow, "kakao-memo", "card", "****0366", [transNum], "text " + transNum,
        new OutboxRequest("POST", "https://kapi.kakao.com/v2/api/talk/memo/default/send",
            new Dictionary<string, string> { ["Authorization"] = "Bearer ***" },
            new Dictionary<string, string> { ["template_object"] = "{}" }));

    [Fact]
    public void A_restart_reads_the_recent_tail_of_a_large_outbox_and_skips_a_torn_line()
    {
        var file = Path.Combine(_data.Path, "outbox.jsonl");
        // Old history (over the 4 MiB read on start) that a restart need not parse.
        File.WriteAllText(file, string.Concat(Enumerable.Repeat(new string('x', 1023) + "\n", 5 * 1024)));
        var writer = new NotificationOutbox(file, capacity: 2);
        writer.Append(Entry("o-1"));
        writer.Append(Entry("o-2"));
        writer.Append(Entry("o-3"));
        writer.Recent(10).Select(e => e.TransNums[0]).Should().Equal("o-3", "o-2");
        File.AppendAllText(file, "{\"at\":\"2026-");

        var reader = new NotificationOutbox(file, capacity: 10);

        reader.Recent(10).Select(e => e.TransNums[0]).Should().Equal("o-3", "o-2", "o-1");
    }
}
