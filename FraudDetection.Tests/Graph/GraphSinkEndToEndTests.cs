using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Graph.Apis;
using FraudDetection.Graph.Extensions;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Sink;
using FraudDetection.Graph.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Tests.Graph;

/// <summary>The sink over the embedded Kafka broker: scored transactions in, one edge each in the graph, offsets committed after writes.</summary>
[Trait("Category", "Integration")]
public sealed class GraphSinkEndToEndTests : IDisposable
{
    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start(partitions: 4, topics: [Topics.Scored, Topics.Labels]);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("graph-sink-");

    public void Dispose()
    {
        _kafka.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }

    private async Task<WebApplication> StartSinkAsync(IGraphStore? store = null, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.ListenOnLoopback();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _kafka.BootstrapServers,
            ["FraudDetection:DataDirectory"] = _data.FullName,
            ["Graph:BatchSize"] = "64",
            ["Graph:ChannelCapacity"] = "128",
            ["Graph:FlushInterval"] = "00:00:00.050",
            ["Graph:RetryDelay"] = "00:00:00.050",
            ["Graph:MaxRetryDelay"] = "00:00:00.200",
            ["Graph:SessionTimeoutMs"] = "6000",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        if (store is not null)
        {
            builder.Services.AddSingleton(store);
        }
        builder.AddGraphSink();
        var app = builder.Build();
        app.MapGraphApi();
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app) =>
        new() { BaseAddress = app.BaseAddress() };

    private async Task ProduceAsync(IEnumerable<ScoredTransaction> scored, params byte[][] raw)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, LingerMs = 5 }).Build();
        foreach (var s in scored)
        {
            producer.Produce(Topics.Scored, new Message<string, byte[]>
            {
                Key = s.Transaction.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Value = JsonSerializer.SerializeToUtf8Bytes(s, FraudJsonContext.Default.ScoredTransaction),
            });
        }
        foreach (var bytes in raw)
        {
            producer.Produce(Topics.Scored, new Message<string, byte[]> { Key = "bad", Value = bytes });
        }
        producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
        await Task.CompletedTask;
    }

    private long CommittedMessages()
    {
        using var admin = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = "graph-sink" }).Build();
        return admin.Committed(Enumerable.Range(0, 4).Select(p => new TopicPartition(Topics.Scored, p)), TimeSpan.FromSeconds(5))
            .Sum(o => o.Offset == Offset.Unset ? 0 : o.Offset.Value);
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 40)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Verdicts_mark_their_edges_the_newest_wins_and_every_malformed_one_is_skipped()
    {
        await using var app = await StartSinkAsync();
        using var http = Client(app);
        var scored = GraphTestData.Transactions(3).Select(GraphTestData.Score).ToList();
        await ProduceAsync(scored);
        await Eventually(async () => (await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals"))!.Transactions == scored.Count, "the edges in the graph", seconds: 30);

        var t = scored[1].Transaction;
        var learned = DateTimeOffset.UtcNow;
        var badCount = 0;
        FraudLabel Verdict(string label, string source, DateTimeOffset at) =>
            new(t.TransNum, CardMask.CardId(t.CcNum), label, source, t.TransDateTransTime, at, AlertId: t.TransNum);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            var bad = FraudDetection.Tests.Scoring.MalformedLabels.Corpus(Verdict(LabelValues.Fraud, LabelSources.Customer, learned));
            badCount = bad.Length;
            foreach (var value in new[] { JsonSerializer.SerializeToUtf8Bytes(Verdict(LabelValues.Fraud, LabelSources.Customer, learned), FraudJsonContext.Default.FraudLabel) }
                .Concat(bad.Select(b => b.Value))
                .Append(JsonSerializer.SerializeToUtf8Bytes(Verdict(LabelValues.Genuine, LabelSources.Customer, learned.AddMinutes(-5)), FraudJsonContext.Default.FraudLabel)))
            {
                // One key: the three arrive in this order.
                await producer.ProduceAsync(Topics.Labels, new Message<string, byte[]> { Key = CardMask.CardId(t.CcNum), Value = value });
            }
        }
        await Eventually(async () => (await http.GetFromJsonAsync<List<GraphLabel>>("/api/graph/labels/latest"))!.Count == 1, "the verdict in the graph", seconds: 30);
        await Task.Delay(500); // the older verdict behind it must not win
        var labels = (await http.GetFromJsonAsync<List<GraphLabel>>("/api/graph/labels/latest"))!;
        labels.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            TransNum = t.TransNum,
            Label = LabelValues.Fraud,
            Source = LabelSources.Customer,
            OnGraph = true,
            Score = scored[1].Score,
            Merchant = t.Merchant,
        });

        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(Topics.Labels, new Message<string, byte[]>
            {
                Key = CardMask.CardId(t.CcNum),
                Value = JsonSerializer.SerializeToUtf8Bytes(Verdict(LabelValues.Genuine, LabelSources.Analyst, learned.AddMinutes(5)), FraudJsonContext.Default.FraudLabel),
            });
        }
        await Eventually(async () => (await http.GetFromJsonAsync<List<GraphLabel>>("/api/graph/labels/latest"))!.Single().Label == LabelValues.Genuine,
            "the analyst's newer verdict", seconds: 30);
        app.Services.GetServices<IHostedService>().OfType<LabelSinkService>().Single().Skipped.Should().Be(badCount, "each of the bad-label corpus");
    }

    [Fact]
    public async Task Every_kind_of_malformed_scored_message_between_good_ones_is_skipped_and_committed_past_and_the_good_ones_are_stored()
    {
        var transactions = GraphTestData.Transactions(300);
        var good = transactions.Take(200).Select(GraphTestData.Score).ToList();
        // Each bad message is made from a transaction of its own, so that none of them can be mistaken for a good one.
        var corpus = MalformedScored.Corpus([.. transactions.Skip(200).Select(GraphTestData.Score)]);
        corpus.Should().HaveCountGreaterThanOrEqualTo(20);
        await using var app = await StartSinkAsync();
        using var http = Client(app);

        // Interleaved: a good one, a bad one, ... on the same partitions.
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (var i = 0; i < good.Count; i++)
            {
                var s = good[i];
                producer.Produce(Topics.Scored, new Message<string, byte[]> { Key = s.Transaction.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture), Value = JsonSerializer.SerializeToUtf8Bytes(s, FraudJsonContext.Default.ScoredTransaction) });
                if (i < corpus.Length)
                {
                    producer.Produce(Topics.Scored, new Message<string, byte[]> { Key = s.Transaction.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture), Value = corpus[i].Value });
                }
            }
            producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
        }

        await Eventually(() => Task.FromResult(CommittedMessages() == good.Count + corpus.Length), "offsets of every message, bad ones too, to be committed");
        (await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals"))!.Transactions.Should().Be(good.Count, "every good one is stored and no bad one");
        var latest = await http.GetStringAsync("/api/graph/transactions/latest?limit=1000");
        foreach (var bad in transactions.Skip(200))
        {
            latest.Should().NotContain(bad.TransNum);
        }
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        health.Status.Should().Be(HealthStatus.Healthy, "bad input never takes the sink down");
    }

    [Fact]
    public async Task A_small_burst_is_written_once_the_input_goes_quiet_not_after_the_whole_flush_interval()
    {
        // The batch would wait an hour for more messages; FlushIdle writes the burst as soon as nothing more comes.
        await using var app = await StartSinkAsync(settings: new()
        {
            ["Graph:BatchSize"] = "1000",
            ["Graph:ChannelCapacity"] = "2000",
            ["Graph:FlushInterval"] = "01:00:00",
            ["Graph:FlushIdle"] = "00:00:00.050",
        });
        using var http = Client(app);
        var scored = GraphTestData.Transactions(7).Select(GraphTestData.Score).ToList();
        await ProduceAsync(scored);

        await Eventually(async () => (await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals"))!.Transactions == scored.Count, "the burst in the graph", seconds: 30);
        await Eventually(() => Task.FromResult(CommittedMessages() == scored.Count), "offsets committed", seconds: 30);
    }

    [Fact]
    public async Task Scored_transactions_become_one_edge_each_unreadable_messages_are_skipped_and_offsets_commit_after_the_write()
    {
        var transactions = GraphTestData.Transactions(600);
        var scored = transactions.Select(GraphTestData.Score).ToList();
        var redelivered = scored.Where((_, i) => i % 5 == 0).ToList();
        var messages = scored.Count + redelivered.Count + 1;
        await using var app = await StartSinkAsync();
        using var http = Client(app);

        await ProduceAsync(scored.Concat(redelivered), Encoding.UTF8.GetBytes("{not json"));

        await Eventually(() => Task.FromResult(CommittedMessages() == messages), "offsets of every message to be committed");
        var totals = await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals");
        totals!.Transactions.Should().Be(transactions.Select(t => t.TransNum).Distinct().Count());
        var expected = new ExpectedGraph(scored.Concat(redelivered).Select(GraphEdge.From).ToList());
        totals.Should().Be(expected.Totals());
        (await http.GetFromJsonAsync<FraudCounts>("/api/graph/fraud/counts")).Should().Be(expected.FraudCounts());
        (await http.GetFromJsonAsync<List<MerchantVolume>>("/api/graph/merchants/by-volume?limit=5"))
            .Should().BeEquivalentTo(expected.MerchantsByVolume(5), o => o.WithStrictOrdering()
                .Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-6)).WhenTypeIs<double>());

        // Card numbers never leave the API in full.
        var card = transactions[0].CcNum;
        var pages = new[]
        {
            "/api/graph/transactions/latest?limit=1000", "/api/graph/fraud/geo", $"/api/graph/cards/{card}/neighbourhood",
            "/api/graph/cards/impossible-travel?speedKmh=100", "/api/graph/merchants/shared-by-alerted-cards?minCards=1",
            "/api/graph/amounts/distribution?binWidth=100&openFrom=500", "/api/graph/fraud/by-merchant",
        };
        foreach (var page in pages)
        {
            var body = await http.GetStringAsync(page);
            body.Should().NotBe("[]", page + " answers with data");
            foreach (var ccNum in transactions.Select(t => t.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct())
            {
                body.Should().NotContain(ccNum, page + " masks cards");
            }
        }
        var neighbourhood = await http.GetFromJsonAsync<CardNeighbourhood>($"/api/graph/cards/{card}/neighbourhood");
        neighbourhood!.Card.Should().Be("****" + card.ToString(System.Globalization.CultureInfo.InvariantCulture)[^4..]);
        neighbourhood.Transactions.Should().HaveCount(transactions.Count(t => t.CcNum == card));
        (await http.GetAsync("/api/graph/cards/42/neighbourhood")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await http.GetAsync("/api/graph/amounts/distribution?binWidth=0")).StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);

        // No query reads more than a page of QueryBounds.MaxPageSize rows or a window longer than a year.
        foreach (var (tooLarge, because) in new[]
        {
            ("/api/graph/transactions/latest?limit=100000000", "limit must be between 1 and 1000"),
            ("/api/graph/transactions/latest?limit=0", "limit must be between 1 and 1000"),
            ("/api/graph/fraud/geo?limit=1001", "limit must be between 1 and 1000"),
            ("/api/graph/merchants/by-volume?limit=5000", "limit must be between 1 and 1000"),
            ("/api/graph/fraud/by-merchant?limit=-1", "limit must be between 1 and 1000"),
            ("/api/graph/cards/impossible-travel?limit=1001", "limit must be between 1 and 1000"),
            ("/api/graph/merchants/shared-by-alerted-cards?from=2020-02-01&to=2020-01-01", "must not be after"),
            ($"/api/graph/cards/{card}/neighbourhood?from=2010-01-01&to=2020-01-01", "longer than 366 days"),
        })
        {
            var answer = await http.GetAsync(tooLarge);
            answer.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest, tooLarge);
            answer.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", tooLarge);
            (await answer.Content.ReadAsStringAsync()).Should().Contain(because, tooLarge);
        }
        (await http.GetFromJsonAsync<List<GraphTransaction>>("/api/graph/transactions/latest?limit=1000")).Should().HaveCountLessThanOrEqualTo(1000);
    }

    [Fact]
    public async Task Graph_consumer_settings_reach_librdkafka_and_a_refused_one_leaves_the_service_up_with_the_sink_unhealthy()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Graph:Consumer:fetch.wait.max.ms"] = "7",
        }).Build();
        var options = configuration.GetSection(GraphOptions.SectionName).Get<GraphOptions>()!;
        var config = GraphSinkService.ConsumerConfig(_kafka.BootstrapServers, options);
        config.Get("fetch.wait.max.ms").Should().Be("7", "a Graph:Consumer setting overrides the sink's own");
        config.Get("fetch.queue.backoff.ms").Should().Be("20", "the sink's own settings stay where not overridden");
        config.EnableAutoOffsetStore.Should().BeFalse("offsets are stored only once their batch is written");
        var storeOnConsume = new GraphOptions { Consumer = { ["enable.auto.offset.store"] = "true" } };
        var reserved = () => GraphSinkService.ConsumerConfig(_kafka.BootstrapServers, storeOnConsume);
        reserved.Should().Throw<ArgumentException>().WithMessage("*enable.auto.offset.store*", "it would commit offsets before their batch is written");

        await using var app = await StartSinkAsync(settings: new() { ["Graph:Consumer:no.such.setting"] = "1" });
        var status = app.Services.GetRequiredService<GraphSinkStatus>();
        await Eventually(() => Task.FromResult(status.ToHealth().Status == HealthStatus.Unhealthy), "the sink to report the refused setting");
        status.ToHealth().Description.Should().Contain("Graph:Consumer").And.Contain("no.such.setting");
        using var http = Client(app);
        (await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals"))!.Transactions.Should().Be(0, "the service still answers");
    }

    [Fact]
    public async Task While_the_store_fails_nothing_is_committed_and_the_batch_is_retried_until_it_is_written()
    {
        var store = new FlakyStore(new SqliteGraphStore(Path.Combine(_data.FullName, "flaky.db")));
        var scored = GraphTestData.Transactions(200).Select(GraphTestData.Score).ToList();
        await using var app = await StartSinkAsync(store);

        await ProduceAsync(scored);
        await Eventually(() => Task.FromResult(store.Failures >= 3), "the sink to retry the failing store");
        CommittedMessages().Should().Be(0, "no offset is committed before its batch is written");

        store.Failing = false;
        await Eventually(() => Task.FromResult(CommittedMessages() == scored.Count), "offsets to be committed once writes succeed");
        (await store.TotalsAsync()).Transactions.Should().Be(scored.Count);
    }

    /// <summary>A store that throws while <see cref="Failing"/>, as a Neo4j outage would.</summary>
    private sealed class FlakyStore(SqliteGraphStore inner) : IGraphStore
    {
        private int _failures;
        public volatile bool Failing = true;
        public int Failures => Volatile.Read(ref _failures);

        public Task WriteAsync(IReadOnlyList<GraphEdge> edges, CancellationToken cancellationToken = default)
        {
            if (Failing)
            {
                Interlocked.Increment(ref _failures);
                throw new IOException("graph store unavailable");
            }
            return inner.WriteAsync(edges, cancellationToken);
        }

        public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) => inner.EnsureSchemaAsync(cancellationToken);
        public Task<GraphTotals> TotalsAsync(CancellationToken cancellationToken = default) => inner.TotalsAsync(cancellationToken);
        public Task LabelAsync(IReadOnlyList<FraudLabel> labels, CancellationToken cancellationToken = default) => inner.LabelAsync(labels, cancellationToken);
        public Task<IReadOnlyList<GraphLabel>> LatestLabelsAsync(int limit, CancellationToken cancellationToken = default) => inner.LatestLabelsAsync(limit, cancellationToken);
        public Task<IReadOnlyList<GraphTransaction>> LatestTransactionsAsync(int limit, CancellationToken cancellationToken = default) => inner.LatestTransactionsAsync(limit, cancellationToken);
        public Task<IReadOnlyList<MerchantVolume>> MerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default) => inner.MerchantsByVolumeAsync(limit, cancellationToken);
        public Task<FraudCounts> FraudCountsAsync(CancellationToken cancellationToken = default) => inner.FraudCountsAsync(cancellationToken);
        public Task<IReadOnlyList<MerchantFraud>> FraudByMerchantAsync(int limit, CancellationToken cancellationToken = default) => inner.FraudByMerchantAsync(limit, cancellationToken);
        public Task<IReadOnlyList<AmountBin>> AmountDistributionAsync(double binWidth, double openFrom, CancellationToken cancellationToken = default) => inner.AmountDistributionAsync(binWidth, openFrom, cancellationToken);
        public Task<IReadOnlyList<FraudGeoPoint>> FraudGeoPointsAsync(int limit, CancellationToken cancellationToken = default) => inner.FraudGeoPointsAsync(limit, cancellationToken);
        public Task<CardNeighbourhood?> CardNeighbourhoodAsync(long ccNum, GraphWindow window, CancellationToken cancellationToken = default) => inner.CardNeighbourhoodAsync(ccNum, window, cancellationToken);
        public Task<IReadOnlyList<SharedMerchant>> MerchantsSharedByAlertedCardsAsync(GraphWindow window, int minAlertedCards, int limit, CancellationToken cancellationToken = default) => inner.MerchantsSharedByAlertedCardsAsync(window, minAlertedCards, limit, cancellationToken);
        public Task<IReadOnlyList<ImpossibleTravel>> ImpossibleTravelAsync(GraphWindow window, double speedKmh, int limit, CancellationToken cancellationToken = default) => inner.ImpossibleTravelAsync(window, speedKmh, limit, cancellationToken);
    }
}
