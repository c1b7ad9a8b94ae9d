using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Sources;
using Rows = FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Producer;

/// <summary>A replay's frauds come back as chargebacks on fraud.labels when the stream reaches their time + the delay.</summary>
public sealed class ChargebackSinkTests
{
    [Fact]
    public async Task Each_fraud_is_charged_back_once_when_the_stream_reaches_its_time_plus_the_delay_and_history_sends_none()
    {
        var inner = new ListSink();
        var labels = new ListPublisher();
        var delay = TimeSpan.FromDays(7);
        await using var sink = new ChargebackSink(inner, labels, delay);
        var card = 4_100_000_000_000_021L;
        var start = new DateTime(2020, 6, 1, 9, 0, 0);
        var oldFraud = Rows.Make(card, start.AddDays(-30), 500, isFraud: 1);
        var fraudA = Rows.Make(card, start, 900, isFraud: 1);
        var fraudB = Rows.Make(card, start.AddDays(1), 800, isFraud: 1);

        sink.Send(oldFraud, HistorySource.ScenarioLabel);
        sink.Send(fraudA, ReplaySource.ScenarioLabel);
        sink.Send(Rows.Make(card, start.AddHours(5), 20), ReplaySource.ScenarioLabel);
        sink.Send(fraudB, ReplaySource.ScenarioLabel);
        sink.Send(Rows.Make(card, start + delay - TimeSpan.FromSeconds(1), 20), ReplaySource.ScenarioLabel);
        labels.Sent.Should().BeEmpty("no chargeback before its time");

        sink.Send(Rows.Make(card, start + delay, 20), ReplaySource.ScenarioLabel);
        labels.Sent.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            fraudA.TransNum,
            CardId = CardMask.CardId(card),
            Label = LabelValues.Fraud,
            Source = LabelSources.Chargeback,
            TransactionTime = fraudA.TransDateTransTime,
        });
        labels.Sent[0].LearnedAt.DateTime.Should().Be(start + delay);

        sink.Send(Rows.Make(card, start.AddDays(20), 20), ReplaySource.ScenarioLabel);
        labels.Sent.Select(l => l.TransNum).Should().Equal(fraudA.TransNum, fraudB.TransNum);
        inner.Sent.Should().Be(7, "every transaction goes on");
        sink.Waiting.Should().Be(0);
        sink.Chargebacks.Should().Be(2);
    }

    private sealed class ListSink : ITransactionSink
    {
        public int Sent { get; private set; }
        public void Send(Transaction transaction, string scenario, ColumnMapping? mapping = null) => Sent++;
        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public long Acknowledged => Sent;
        public long Failed => 0;
        public string? LastError => null;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ListPublisher : ILabelPublisher
    {
        public List<FraudLabel> Sent { get; } = [];
        public void Publish(FraudLabel label) => Sent.Add(label);
        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose()
        {
        }
    }
}
