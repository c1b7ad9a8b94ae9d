using System.Text.Json;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Drift;
using FraudDetection.Scoring.Telemetry;
using FraudDetection.Training.Drift;
using FraudDetection.Training.Options;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace FraudDetection.Tests.Registry;

public sealed class DriftRetrainingTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new("fd-drift-retraining");

    public void Dispose() => _temp.Dispose();

    private static DriftReading Reading(double? psi, string version = "3") => new("tracking", version, psi, 10_000);

    [Fact]
    public void A_score_psi_above_the_threshold_for_the_sustain_time_queues_one_run_per_episode()
    {
        var queue = new TrainingRunQueue(Microsoft.Extensions.Options.Options.Create(new TrainingOptions { QueueCapacity = 10 }), TimeProvider.System);
        var trigger = new DriftRetrainTrigger(queue, new DriftWatchOptions { PsiThreshold = 0.2, SustainFor = TimeSpan.FromMinutes(10) }, NullLogger.Instance);
        var now = Start;
        List<TrainingRunStatus> queued = [];
        void Feed(double? psi, TimeSpan during, string version = "3")
        {
            for (var end = now + during; now < end; now += TimeSpan.FromSeconds(30))
            {
                if (trigger.Consider(Reading(psi, version), now) is { } run)
                {
                    queued.Add(run);
                }
            }
        }

        Feed(0.12, TimeSpan.FromHours(1));             // no drift
        Feed(0.35, TimeSpan.FromMinutes(9.5));         // drifted, not yet for long enough
        Feed(null, TimeSpan.FromMinutes(1));           // a fresh window (no PSI yet) ends the episode
        Feed(0.35, TimeSpan.FromMinutes(9.5));
        queued.Should().BeEmpty();

        Feed(0.35, TimeSpan.FromHours(2));             // sustained: one run, however long it lasts
        queued.Should().ContainSingle();
        var first = queued[0];
        first.Trigger.Should().Be("drift");
        first.Tags.Should().Contain("reason", "drift").And.Contain("drift_score_psi", "0.35").And.Contain("drift_model_version", "3");
        first.QueuedAt.Should().BeOnOrBefore(DateTimeOffset.UtcNow);
        queue.List().Should().ContainSingle();

        Feed(0.05, TimeSpan.FromMinutes(5));           // back under: a new episode may queue again
        Feed(0.4, TimeSpan.FromMinutes(10.5));
        queued.Should().HaveCount(2);

        Feed(0.4, TimeSpan.FromMinutes(9.5), version: "4"); // a new champion starts over
        queued.Should().HaveCount(2);
    }

    [Fact]
    public async Task The_training_host_reads_scoring_stats_and_a_sustained_drift_runs_one_gated_training_run_tagged_drift()
    {
        // Scoring's own stats answer, with its drift section, as Scoring serializes it.
        var stats = new ScoringStats().Snapshot("scoring with 3", "3", 0.5) with
        {
            Drift = new DriftSnapshot("tracking", "3", 10_000, 500, 0.45, new Dictionary<string, double> { ["score"] = 0.45, ["amt"] = 1.7 }, 0.04, 0.012, 5_000),
        };
        using var scoring = TestNetwork.StartFake();
        scoring.Given(Request.Create().WithPath(ScoringDriftClient.StatsPath).UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody(JsonSerializer.Serialize(stats, ScoringApiJsonContext.Default.ScoringStatsSnapshot)));

        var job = new ScriptedTrainingJob().Then(0.70, 0.60);
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["Training:Drift:ScoringUrl"] = scoring.Url,
            ["Training:Drift:PollInterval"] = "00:00:00.100",
            ["Training:Drift:SustainFor"] = "00:00:01",
        }, job: job, evaluator: new PrecomputedEvaluator());

        var runs = await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(20));
        runs.Should().ContainSingle();
        var run = await host.WaitForRunAsync(runs[0].Id);
        await Task.Delay(TimeSpan.FromSeconds(2)); // the PSI stays high: still the one run

        run.State.Should().Be(TrainingRunState.Succeeded, run.Error);
        run.Trigger.Should().Be("drift");
        run.Log.Should().Contain(line => line.Contains("queued by drift: score PSI 0.45 of champion 3 above 0.2"))
            .And.Contain(line => line.Contains("preflight passed")).And.Contain(line => line.Contains("gate:"));
        run.Decision.Should().NotBeNull();
        (await host.WaitForQueuedRunsAsync(TimeSpan.Zero)).Should().ContainSingle();
        job.Calls.Should().Be(1);
        scoring.Requests(ScoringDriftClient.StatsPath).Should().HaveCountGreaterThan(10);

        var tracked = await host.App.Services.GetRequiredService<IExperimentTracker>().GetRunAsync(run.TrackedRunId!);
        tracked!.Tags.Should().Contain("trigger", "drift").And.Contain("reason", "drift").And.Contain("drift_score_psi", "0.45");
    }

    [Fact]
    public async Task Scoring_failing_in_any_way_is_no_reading_and_never_stops_the_watch()
    {
        var queue = new TrainingRunQueue(Microsoft.Extensions.Options.Options.Create(new TrainingOptions()), TimeProvider.System);
        var readings = new FailingReadings();
        var watcher = new DriftWatcher(readings, queue, Microsoft.Extensions.Options.Options.Create(new DriftWatchOptions { SustainFor = TimeSpan.Zero }),
            TimeProvider.System, NullLogger<DriftWatcher>.Instance);

        await watcher.PollAsync(CancellationToken.None); // e.g. the resilience pipeline's timeout, not an HttpRequestException
        watcher.Last.Should().BeNull();
        readings.Calls.Should().Be(1);
        queue.List().Should().BeEmpty();
    }

    private sealed class FailingReadings : IDriftReadings
    {
        public int Calls { get; private set; }

        public Task<DriftReading?> ReadAsync(CancellationToken cancellationToken)
        {
            Calls++;
            throw new TimeoutException("the attempt timed out");
        }
    }

    [Fact]
    public void A_stats_answer_without_a_drift_section_is_no_reading()
    {
        using var document = JsonDocument.Parse("""{"scored": 3}""");
        ScoringDriftClient.Parse(document.RootElement).Should().BeNull();
        using var warming = JsonDocument.Parse("""{"drift": {"status": "warming up", "model_version": "2", "window_rows": 40, "score_psi": null}}""");
        ScoringDriftClient.Parse(warming.RootElement).Should().Be(new DriftReading("warming up", "2", null, 40));
    }
}
