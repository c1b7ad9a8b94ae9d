using System.Text;
using System.Text.Json;
using FluentAssertions;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Graph;
using FraudDetection.Scoring.Graph.Sink;
using Xunit;

namespace FraudDetection.Tests.Graph;

public class ScoredMessageReaderTests
{
    [Fact]
    public void Fast_path_reads_the_same_edge_as_the_full_deserializer_and_skips_reasons_and_timings()
    {
        foreach (var t in GraphTestData.Transactions(20))
        {
            var scored = GraphTestData.Score(t) with
            {
                Reasons = [new FeatureContribution("amt_z", 3.5f, 1.25f), new FeatureContribution("hour", 2f, -0.5f)],
                ModelVersion = "v7",
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(scored, FraudJsonContext.Default.ScoredTransaction);

            GraphSinkService.ReadScored(bytes).Should().Be(GraphEdge.From(scored));
        }
    }

    [Fact]
    public void Fast_path_reads_numbers_written_as_strings_and_rejects_broken_json()
    {
        var t = GraphTestData.Transactions(1)[0];
        var json = JsonSerializer.Serialize(GraphTestData.Score(t), FraudJsonContext.Default.ScoredTransaction);
        var withStringScore = JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Name == "score" ? JsonSerializer.SerializeToElement("0.75") : p.Value.Clone());
        var edge = GraphSinkService.ReadScored(JsonSerializer.SerializeToUtf8Bytes(withStringScore));
        edge!.Score.Should().Be(0.75);

        GraphSinkService.ReadScored("{\"score\": 0.5}"u8).Should().BeNull("a message without a transaction has no edge");
        var broken = () => GraphSinkService.ReadScored(Encoding.UTF8.GetBytes(json[..^10]));
        broken.Should().Throw<JsonException>();
        var array = () => GraphSinkService.ReadScored("[1,2]"u8);
        array.Should().Throw<JsonException>();
    }

    [Fact]
    public void An_edge_carries_the_local_time_and_birth_date_as_iso_text()
    {
        var t = GraphTestData.Transactions(1)[0] with
        {
            TransDateTransTime = new DateTime(2020, 6, 21, 12, 14, 25),
            Dob = new DateOnly(1968, 3, 9),
        };
        var edge = GraphSinkService.ReadScored(JsonSerializer.SerializeToUtf8Bytes(GraphTestData.Score(t), FraudJsonContext.Default.ScoredTransaction))!;

        edge.Time.Should().Be("2020-06-21T12:14:25");
        edge.Ts.Should().Be(new DateTimeOffset(2020, 6, 21, 12, 14, 25, TimeSpan.Zero).ToUnixTimeSeconds());
        edge.Dob.Should().Be("1968-03-09");
    }
}
