using System.Text;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Tests.Scoring;

public sealed class ValidationAndDedupeTests
{
    private const string Good = """
        {"trans_date_trans_time":"2020-06-21 12:14:25","cc_num":2291163933867244,"merchant":"fraud_Kirlin and Sons","category":"personal_care",
         "amt":2.86,"first":"Jeff","last":"Elliott","gender":"M","street":"351 Darlene Green","city":"Columbia","state":"SC","zip":29209,
         "lat":33.9659,"long":-80.9355,"city_pop":333497,"job":"Mechanical engineer","dob":"1968-03-19","trans_num":"2da90c7d74bd46a0caf3777415b3ebd3",
         "unix_time":1371816865,"merch_lat":33.986391,"merch_long":-81.200714}
        """;

    [Theory]
    [InlineData("\"amt\":2.86", "\"amt\":\"NaN\"", DeadLetterReasons.InvalidAmount)]
    [InlineData("\"amt\":2.86", "\"amt\":-0.01", DeadLetterReasons.InvalidAmount)]
    [InlineData("\"amt\":2.86", "\"amt\":\"lots\"", DeadLetterReasons.InvalidAmount)]
    [InlineData("\"2020-06-21 12:14:25\"", "\"2020-13-01 00:00:00\"", DeadLetterReasons.InvalidDate)]
    [InlineData("\"2020-06-21 12:14:25\"", "\"1899-01-01 00:00:00\"", DeadLetterReasons.InvalidDate)]
    [InlineData("\"cc_num\":2291163933867244,", "", DeadLetterReasons.MissingCard)]
    [InlineData("\"cc_num\":2291163933867244", "\"cc_num\":0", DeadLetterReasons.MissingCard)]
    [InlineData("\"trans_num\":\"2da90c7d74bd46a0caf3777415b3ebd3\"", "\"trans_num\":\"  \"", DeadLetterReasons.MissingTransNum)]
    [InlineData("{", "", DeadLetterReasons.Unparseable)]
    public void Invalid_input_gets_its_reason(string find, string replace, string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(Good.Replace(find, replace, StringComparison.Ordinal));
        var transaction = TransactionValidator.TryParse(bytes, out var rejection);
        var featureError = transaction is null ? null : new FraudDetection.Scoring.Features.OnlineFeaturePipeline().Validate(transaction);
        if (featureError is not null)
        {
            rejection = TransactionValidator.FromFeatureError(featureError);
            transaction = null;
        }
        transaction.Should().BeNull();
        rejection.Reason.Should().Be(reason);
        rejection.Error.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void A_date_more_than_a_year_ahead_is_plausible_only_within_a_year_of_the_streams_newest_event()
    {
        var now = DateTime.UtcNow;
        var twoYearsAhead = Encoding.UTF8.GetBytes(Good.Replace("2020-06-21 12:14:25", now.AddYears(2).ToString("yyyy-MM-dd HH:mm:ss"), StringComparison.Ordinal));

        TransactionValidator.TryParse(twoYearsAhead, out var alone).Should().BeNull("nothing in the stream is that far ahead");
        alone.Reason.Should().Be(DeadLetterReasons.InvalidDate);
        TransactionValidator.TryParse(twoYearsAhead, out _, newestEvent: now.AddYears(1).AddMonths(6)).Should().NotBeNull("the stream is already 18 months ahead");
        TransactionValidator.TryParse(twoYearsAhead, out var jump, newestEvent: now.AddMonths(6)).Should().BeNull("a year and a half past the stream");
        jump.Reason.Should().Be(DeadLetterReasons.InvalidDate);
        TransactionValidator.TryParse(Encoding.UTF8.GetBytes(Good), out _, newestEvent: now.AddYears(5)).Should().NotBeNull("an older event is not implausible");
    }

    [Fact]
    public void Valid_input_parses()
    {
        var transaction = TransactionValidator.TryParse(Encoding.UTF8.GetBytes(Good), out _);
        transaction.Should().NotBeNull();
        transaction!.Amt.Should().Be(2.86);
        transaction.TransNum.Should().Be("2da90c7d74bd46a0caf3777415b3ebd3");
    }

    [Fact]
    public void The_dedupe_window_forgets_the_oldest_and_survives_a_round_trip()
    {
        var window = new DedupeWindow(3);
        window.TryAdd("a").Should().BeTrue();
        window.TryAdd("b").Should().BeTrue();
        window.TryAdd("a").Should().BeFalse();
        window.TryAdd("c").Should().BeTrue();
        window.TryAdd("d").Should().BeTrue(); // evicts "a"
        window.Contains("a").Should().BeFalse();

        var restored = DedupeWindow.FromBytes(window.ToBytes(), 3);
        restored.Count.Should().Be(3);
        restored.TryAdd("b").Should().BeFalse();
        restored.TryAdd("d").Should().BeFalse();
        restored.TryAdd("e").Should().BeTrue(); // evicts "b", the oldest after the round trip
        restored.Contains("b").Should().BeFalse();
        restored.Contains("c").Should().BeTrue();

        DedupeWindow.FromBytes(window.ToBytes(), 2).Count.Should().Be(2, "a smaller window keeps the newest");
    }
}
