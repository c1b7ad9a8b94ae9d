using System.Text;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using FluentAssertions;
using FraudDetection.Core.Messaging;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Sink;
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
    public void With_a_string_pool_the_edge_is_the_same_and_a_card_s_repeated_strings_are_one_copy_but_trans_num_is_not_pooled()
    {
        var pool = new StringPool(64);
        var transactions = GraphTestData.Transactions(40);
        var card = transactions.GroupBy(t => t.CcNum).First(g => g.Count() > 1).ToList();
        var edges = new List<GraphEdge>();
        foreach (var t in card)
        {
            var scored = GraphTestData.Score(t) with { ModelVersion = "v7" };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(scored, FraudJsonContext.Default.ScoredTransaction);
            var edge = GraphSinkService.ReadScored(bytes, pool)!;
            edge.Should().Be(GraphEdge.From(scored), "pooling changes where strings live, never what they say");
            edges.Add(edge);
        }

        var (first, second) = (edges[0], edges[1]);
        ReferenceEquals(first.Street, second.Street).Should().BeTrue("one copy of the holder's street");
        ReferenceEquals(first.Job, second.Job).Should().BeTrue();
        ReferenceEquals(first.Dob, second.Dob).Should().BeTrue();
        ReferenceEquals(first.ModelVersion, second.ModelVersion).Should().BeTrue();
        pool.TryGet(first.Street, out _).Should().BeTrue();
        pool.TryGet(first.TransNum, out _).Should().BeFalse("a unique id would only evict the strings that repeat");
    }

    [Fact]
    public void With_a_string_pool_invalid_utf8_is_refused_as_without_it()
    {
        var t = GraphTestData.Transactions(1)[0] with { Street = "STREET_MARK" };
        var json = JsonSerializer.SerializeToUtf8Bytes(GraphTestData.Score(t), FraudJsonContext.Default.ScoredTransaction);
        var at = json.AsSpan().IndexOf("STREET_MARK"u8);
        json[at] = 0xC3; // a lead byte followed by ASCII: not UTF-8
        json[at + 1] = (byte)'(';

        var plain = () => GraphSinkService.ReadScored(json);
        var pooled = () => GraphSinkService.ReadScored(json, new StringPool(64));
        plain.Should().Throw<Exception>().Which.GetType().Should().Be(pooled.Should().Throw<Exception>().Which.GetType());
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

        var withoutTransaction = () => GraphSinkService.ReadScored("{\"score\": 0.5}"u8);
        withoutTransaction.Should().Throw<JsonException>("a message without a transaction has no edge");
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
