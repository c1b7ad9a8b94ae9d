using System.Text;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Tests.Scoring;

/// <summary>The hand-written hot-path JSON must give exactly what the source-generated serializer gives.</summary>
public sealed class TransactionJsonTests
{
    private static readonly List<Transaction> Rows = ScoringModels.KaggleRows(500);

    [Fact]
    public void Fast_reader_reads_real_rows_as_the_serializer_does()
    {
        var labelled = Rows.Select((t, i) => i % 3 == 0 ? t with { IsFraud = null } : t with { IsFraud = i % 2 });
        foreach (var row in labelled)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(row, FraudJsonContext.Default.Transaction);
            var fast = TransactionJson.TryReadFast(json);
            fast.Should().NotBeNull();
            fast.Should().Be(JsonSerializer.Deserialize(json, FraudJsonContext.Default.Transaction));
        }
    }

    [Theory]
    [InlineData("""{"amt":"12.5","cc_num":1,"merchant":"m","category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25"}""")] // number as string
    [InlineData("""{"amt":1,"cc_num":1,"merchant":"m","category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21T12:14:25"}""")] // other date form
    [InlineData("""{"amt":1,"cc_num":1,"merchant":"m","category":"c","trans_num":"t","trans_date_trans_time":"2020-02-30 12:14:25"}""")] // impossible date
    [InlineData("""{"amt":1,"cc_num":1,"merchant":"m","category":"c","trans_date_trans_time":"2020-06-21 12:14:25"}""")] // required member missing
    [InlineData("""{"amt":1,"amt":2,"cc_num":1,"merchant":"m","category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25"}""")] // repeated name
    [InlineData("""{"amt":1,"cc_num":1,"merchant":null,"category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25"}""")] // null string
    [InlineData("""{"amt":1,"cc_num":1,"merchant":"m","category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25"} x""")] // trailing
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    public void Fast_reader_leaves_anything_unusual_to_the_serializer(string json) =>
        TransactionJson.TryReadFast(Encoding.UTF8.GetBytes(json)).Should().BeNull();

    [Fact]
    public void Fast_reader_skips_unknown_members_as_the_serializer_does()
    {
        var json = """{"extra":{"a":[1,2,{"b":null}]},"amt":1.5,"cc_num":1,"merchant":"m\u00e9","category":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25","is_fraud":null}"""u8.ToArray();
        TransactionJson.TryReadFast(json).Should().Be(JsonSerializer.Deserialize(json, FraudJsonContext.Default.Transaction));
    }

    [Fact]
    public void Fast_reader_matches_escaped_names_and_skips_look_alikes_as_the_serializer_does()
    {
        // "\u0061mt" is "amt" escaped; "amx", "cc_nun" and "merch_lon" have a known name's length but are unknown.
        var json = """{"\u0061mt":2.5,"amx":9,"cc_nun":7,"merch_lon":3,"cc_num":1,"merchant":"m","c\u0061tegory":"c","trans_num":"t","trans_date_trans_time":"2020-06-21 12:14:25"}"""u8.ToArray();
        var expected = JsonSerializer.Deserialize(json, FraudJsonContext.Default.Transaction);
        var fast = TransactionJson.TryReadFast(json);
        fast.Should().NotBeNull().And.Be(expected);
        fast!.Amt.Should().Be(2.5);
        fast.Category.Should().Be("c");
    }

    [Fact]
    public void Scored_writer_writes_what_the_serializer_writes()
    {
        var writer = new ScoredJsonWriter();
        var reasons = new List<FeatureContribution> { new("amt_log", 3.25f, 1.125f), new("hour <sin>", -0.5f, -1e-7f), new("é\"x", float.MaxValue, 0f) };
        for (var i = 0; i < Rows.Count; i++)
        {
            var t = i % 2 == 0 ? Rows[i] : Rows[i] with { IsFraud = i % 3 == 0 ? 1 : null, Merchant = "fraud_<Kub> & \"Sons\" ü", Dob = new DateOnly(987, 1, 2) };
            var scored = new ScoredTransaction(t, i / 997.0, 0.73, i % 5 == 0, "v" + i, i % 5 == 0 ? reasons : [],
                new ScoringTimings(i * 0.37, 1.0 / 3, 1024), DateTimeOffset.UtcNow.AddTicks(i * 12_345));
            Encoding.UTF8.GetString(writer.Serialize(scored))
                .Should().Be(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(scored, FraudJsonContext.Default.ScoredTransaction)));
        }
    }
}
