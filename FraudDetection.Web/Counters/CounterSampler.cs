using FraudDetection.Core.Telemetry;
using FraudDetection.Web.Clients;

namespace FraudDetection.Web.Counters;

/// <summary>
/// One headline counter: its total and its rate over the samples of the last <see cref="CounterSampler.RateWindow"/>
/// (per second; null until there are two), and what it counts.
/// </summary>
public sealed record CounterReading(string Key, string Label, long? Total, double? PerSecond, string Source, string Counts);

/// <summary>
/// The headline counters of the whole system, read from each service's own API every <see cref="Interval"/>: produced
/// (Producer, acknowledged), scored, alerts and dead letters (Scoring), notifications (Notifier), graph edges (Graph).
/// A service that does not answer shows no total until it does; the others go on. Nobody reading them for
/// <see cref="IdleAfter"/> (no page open, no API call) pauses the sampling, so a system left alone is not polled
/// every 2 s for pages nobody looks at; the next read resumes it.
/// </summary>
public sealed class CounterSampler(
    IProducerApi producer, IScoringApi scoring, INotifierApi notifier, IGraphApi graph,
    TimeProvider time, ILogger<CounterSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far back a rate reaches. The services count in steps (the graph writes once a second, the Producer sends in
    /// ticks): between two samples 2 s apart the graph's edges read 30 or 60 a second while 50 a second went in.
    /// </summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    /// <summary>How long after the last read the services are still sampled (the overview reads every 2 s while open).</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(60);

    /// <summary>The longest a read after a pause waits for the services' first answers (a page opened then shows totals, not dashes).</summary>
    public static readonly TimeSpan FirstSampleWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The headline counters in page order: key, label, the service that counts it, and what it counts. The services'
    /// own counters start at zero with the process; the Notifier's ledger and the graph keep theirs across restarts.
    /// </summary>
    public static readonly IReadOnlyList<(string Key, string Label, string Source, string Counts)> Headline =
    [
        ("produced", "produced", ServiceNames.Producer, "transactions the Producer has had acknowledged since it started, the card history included"),
        ("scored", "scored", ServiceNames.Scoring, "transactions Scoring has scored since it started"),
        ("alerts", "alerts", ServiceNames.Scoring, "alerts Scoring has raised since it started"),
        ("deadletters", "dead letters", ServiceNames.Scoring, "messages Scoring has dead-lettered since it started, each with its reason"),
        ("notifications", "notifications", ServiceNames.Notifier, "messages the Notifier has delivered, by Kakao or its fallback, kept across restarts"),
        ("graph_edges", "graph edges", ServiceNames.Graph, "scored transactions in the graph, kept across restarts"),
    ];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(long Total, DateTimeOffset At)>> _samples = []; // each key's samples of the last RateWindow, oldest first
    private readonly Dictionary<string, (long Total, double? Rate)> _current = [];
    private readonly HashSet<string> _unreachable = [];
    private LiveQuality? _quality;
    private ProducerStatus? _stream;
    private DateTimeOffset _lastRead = time.GetUtcNow();
    private TaskCompletionSource _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _sampled = new(TaskCreationOptions.RunContinuationsAsynchronously); // this spell's first sample

    /// <summary>Whether the services are being sampled (false while nobody has read the counters for <see cref="IdleAfter"/>).</summary>
    public bool Sampling
    {
        get
        {
            lock (_gate)
            {
                return ReadRecently;
            }
        }
    }

    /// <summary>Scoring's live precision and recall over the labelled transactions it scored (null until it answers).</summary>
    public LiveQuality? Quality
    {
        get
        {
            lock (_gate)
            {
                MarkRead();
                return _quality;
            }
        }
    }

    /// <summary>The Producer's state, source and rate as last read (null until it answers).</summary>
    public ProducerStatus? Stream
    {
        get
        {
            lock (_gate)
            {
                return _stream;
            }
        }
    }

    public IReadOnlyList<CounterReading> Readings()
    {
        lock (_gate)
        {
            MarkRead();
            return [.. Headline.Select(h => _current.TryGetValue(h.Key, out var c)
                ? new CounterReading(h.Key, h.Label, c.Total, c.Rate, h.Source, h.Counts)
                : new CounterReading(h.Key, h.Label, null, null, h.Source, h.Counts))];
        }
    }

    /// <summary>
    /// The counters for a page or the API: a read while sampling is paused resumes it and waits (at most
    /// <see cref="FirstSampleWait"/>) for the services' answers, so that it shows current totals rather than none.
    /// </summary>
    public async Task<IReadOnlyList<CounterReading>> ReadingsAsync(CancellationToken cancellationToken)
    {
        Task sampled;
        lock (_gate)
        {
            MarkRead();
            sampled = _sampled.Task;
        }
        if (!sampled.IsCompleted)
        {
            try
            {
                await sampled.WaitAsync(FirstSampleWait, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A service slow to answer: show what has come; the page's next refresh has the rest.
            }
        }
        return Readings();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await UntilReadAsync(stoppingToken);
            // A timer for each spell of reading: it keeps the 2 s pace, and a tick that came while sampling is not lost.
            using var timer = new PeriodicTimer(Interval, time);
            do
            {
                await SampleAsync(stoppingToken);
                lock (_gate)
                {
                    _sampled.TrySetResult();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken) && Sampling);
        }
    }

    /// <summary>Under <see cref="_gate"/>: whether the counters were read within <see cref="IdleAfter"/>.</summary>
    private bool ReadRecently => time.GetUtcNow() - _lastRead <= IdleAfter;

    /// <summary>Under <see cref="_gate"/>: a page or the API read the counters, so keep (or start again) sampling.</summary>
    private void MarkRead()
    {
        _lastRead = time.GetUtcNow();
        _read.TrySetResult();
    }

    /// <summary>
    /// Returns at once while the counters were read within <see cref="IdleAfter"/>; else forgets what was sampled (stale
    /// by the time anyone looks again) and waits for the next read.
    /// </summary>
    private async Task UntilReadAsync(CancellationToken cancellationToken)
    {
        Task read;
        lock (_gate)
        {
            if (ReadRecently)
            {
                return;
            }
            _samples.Clear();
            _current.Clear();
            _stream = null;
            _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _sampled = new(TaskCreationOptions.RunContinuationsAsynchronously);
            read = _read.Task;
        }
        logger.LogDebug("Counters: nobody has read them for {IdleAfter}; sampling paused until the next read", IdleAfter);
        await read.WaitAsync(cancellationToken);
    }

    internal async Task SampleAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            ReadAsync(ServiceNames.Producer, async ct =>
            {
                var status = await producer.GetStatusAsync(ct);
                lock (_gate)
                {
                    _stream = status;
                }
                return [("produced", status.Acknowledged)];
            }, cancellationToken),
            ReadAsync(ServiceNames.Scoring, async ct =>
            {
                var stats = await scoring.GetStatsAsync(ct);
                lock (_gate)
                {
                    _quality = stats.Labelled;
                }
                return [("scored", stats.Scored), ("alerts", stats.Alerts), ("deadletters", stats.DeadLettersByReason.Values.Sum())];
            }, cancellationToken),
            ReadAsync(ServiceNames.Notifier, async ct =>
            {
                var outcomes = (await notifier.GetStatusAsync(ct)).Outcomes;
                return [("notifications", outcomes.GetValueOrDefault("sent") + outcomes.GetValueOrDefault("fallback"))];
            }, cancellationToken),
            ReadAsync(ServiceNames.Graph, async ct => [("graph_edges", (await graph.GetTotalsAsync(ct)).Transactions)], cancellationToken));
    }

    /// <summary>Under <see cref="_gate"/>: adds a sample and returns the rate since the oldest one within <see cref="RateWindow"/>.</summary>
    private double? Rate(string key, long total, DateTimeOffset now)
    {
        if (!_samples.TryGetValue(key, out var samples))
        {
            _samples[key] = samples = new();
        }
        if (samples.Count > 0 && total < samples[^1].Total)
        {
            samples.Clear(); // the service started again and counts from zero: no rate across its restart
        }
        samples.Add((total, now));
        while (samples.Count > 2 && now - samples[1].At >= RateWindow)
        {
            samples.RemoveAt(0);
        }
        var (oldest, at) = samples[0];
        return samples.Count > 1 && now > at ? (total - oldest) / (now - at).TotalSeconds : null;
    }

    private async Task ReadAsync(string service, Func<CancellationToken, Task<(string Key, long Total)[]>> read, CancellationToken cancellationToken)
    {
        try
        {
            var values = await read(cancellationToken);
            var now = time.GetUtcNow();
            lock (_gate)
            {
                if (_unreachable.Remove(service))
                {
                    logger.LogInformation("Counters: {Service} answers again", service);
                }
                foreach (var (key, total) in values)
                {
                    _current[key] = (total, Rate(key, total, now));
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Any failure (refused, timed out, circuit open, an answer it cannot read) only parks that service's counters.
            lock (_gate)
            {
                if (_unreachable.Add(service))
                {
                    logger.LogWarning("Counters: {Service} does not answer ({Error}); its counters wait for it", service, e.Message);
                }
            }
        }
    }
}
