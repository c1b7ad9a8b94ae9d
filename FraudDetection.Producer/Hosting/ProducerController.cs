using FraudDetection.Core.Hosting;
using FraudDetection.Producer.Options;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Rate;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;
using FraudDetection.Producer.Synthetic;
using FraudDetection.Producer.Telemetry;
using Microsoft.Extensions.Options;

namespace FraudDetection.Producer.Hosting;

/// <summary>What GET /api/producer answers.</summary>
public sealed record ProducerStatus(
    string State,
    string Source,
    double Rate,
    long Sent,
    long Acknowledged,
    long Failed,
    long RowsSkipped,
    DateTimeOffset? StartedAt,
    string Topic,
    string? LastError,
    long HistorySent = 0,
    long ResumedAtRow = 0);

/// <summary>What POST /api/producer/burst answers (cards masked to their last 4 digits).</summary>
public sealed record BurstResult(string Scenario, int Instances, int Transactions, int FraudLabelled, IReadOnlyList<string> Cards);

/// <summary>
/// The hosted Producer: one run at a time (replay of <see cref="ProducerOptions.File"/> or synthetic traffic),
/// started, stopped and re-rated by the control API; bursts of a fraud pattern on demand.
/// </summary>
public sealed class ProducerController : IAsyncDisposable
{
    public const string Stopped = "stopped";
    public const string Running = "running";
    public const string Finished = "finished";
    public const string Faulted = "faulted";

    private readonly ProducerOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ProducerMetrics _metrics;
    private readonly ILogger<ProducerController> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _burstGate = new();
    private ITransactionSink? _sink;
    private TokenBucket? _bucket;
    private CancellationTokenSource? _stop;
    private Task? _run;
    private RunCounters _counters = new();
    private RunCounters _historyCounters = new();
    private string _state = Stopped;
    private string _source = "";
    private double _rate;
    private DateTimeOffset? _startedAt;
    private string? _lastError;
    private long _rowsSkipped;
    private ITransactionSource? _current;
    private SyntheticTraffic? _burstTraffic;
    private ResumableReplay? _replay;

    public ProducerController(IOptions<ProducerOptions> options, IConfiguration configuration, ProducerMetrics metrics,
        ILogger<ProducerController> logger, TimeProvider time)
    {
        _options = options.Value;
        _configuration = configuration;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _rate = _options.Rate;
    }

    /// <summary>The Kafka bootstrap servers (ConnectionStrings:kafka), or null when not configured.</summary>
    public string? BootstrapServers => KafkaConnection.BootstrapServers(_configuration);

    public ProducerStatus GetStatus()
    {
        var sink = _sink;
        return new ProducerStatus(_state, _current?.Description ?? _source, _rate, _counters.Sent, sink?.Acknowledged ?? 0, sink?.Failed ?? 0,
            Interlocked.Read(ref _rowsSkipped) + (_current?.Skipped ?? 0), _startedAt, _options.Topic, _lastError ?? sink?.LastError,
            _historyCounters.Sent, _replay?.StartRow ?? 0);
    }

    /// <summary>Starts producing (no-op when already running); false with <see cref="ProducerStatus.LastError"/> when it cannot.</summary>
    public async Task<bool> StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_state == Running)
            {
                return true;
            }
            if (_options.Validate() is { } invalid)
            {
                return Fail(invalid);
            }
            if (EnsureSink() is null)
            {
                return Fail("ConnectionStrings:kafka is not set: the producer has no Kafka to send to.");
            }
            ITransactionSource source;
            ITransactionSource? history;
            try
            {
                var (main, before) = CreateSources();
                source = new PrefetchSource(main);
                history = before is null ? null : new PrefetchSource(before);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                return Fail($"The producer's source could not be opened: {e.Message}");
            }

            _bucket = new TokenBucket(_rate, _time);
            var historyBucket = _options.HistoryRate > 0 ? new TokenBucket(_options.HistoryRate, _time) : null;
            _counters = new RunCounters();
            _historyCounters = new RunCounters();
            _stop = new CancellationTokenSource();
            _state = Running;
            _source = (history ?? source).Description;
            _current = history ?? source;
            _startedAt = _time.GetUtcNow();
            _lastError = null;
            _metrics.TargetRate(_rate);
            var stop = _stop.Token;
            var sink = _sink!;
            var bucket = _bucket;
            var counters = _counters;
            var historyCounters = _historyCounters;
            var replay = _replay = _replay is null ? null : _replay with { Counters = counters, AcknowledgedBefore = sink.Acknowledged };
            _logger.LogInformation("Producer started: {Source} at {Rate} tx/s to topic {Topic}", source.Description, _rate, _options.Topic);
            _run = Task.Run(async () =>
            {
                using var keeping = replay is null ? null : new Timer(_ => SavePosition(replay), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
                try
                {
                    if (history is not null)
                    {
                        // The card history first, marked as such, then the replay moved by the same shift.
                        _logger.LogInformation("Producer sends the card history first: {Source} at {Rate} tx/s", history.Description,
                            historyBucket is null ? "max" : _options.HistoryRate);
                        await ProducerLoop.RunAsync(history, sink, historyBucket, null, historyCounters, stop);
                        Interlocked.Add(ref _rowsSkipped, history.Skipped);
                        _logger.LogInformation("Producer sent {Count} history transactions", historyCounters.Sent);
                        // The replay's position counts its own acknowledgements only.
                        replay = _replay = replay is null ? null : replay with { AcknowledgedBefore = sink.Acknowledged };
                        _source = source.Description;
                        _current = source;
                    }
                    await ProducerLoop.RunAsync(source, sink, bucket, null, counters, stop);
                    _state = Finished;
                    _logger.LogInformation("Producer finished its source after {Sent} transactions", counters.Sent);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    _state = Stopped;
                }
                catch (Exception e)
                {
                    _state = Faulted;
                    _lastError = e.Message;
                    _metrics.Error("run_failed");
                    _logger.LogError(e, "Producer run failed");
                }
                finally
                {
                    _current = null;
                    Interlocked.Add(ref _rowsSkipped, source.Skipped);
                    source.Dispose();
                    history?.Dispose();
                    _metrics.TargetRate(0);
                }
            }, CancellationToken.None);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the run (if any) and waits for what was sent to be acknowledged.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_run is null)
            {
                return;
            }
            await _stop!.CancelAsync();
            await _run;
            _run = null;
            _stop.Dispose();
            _stop = null;
            if (_sink is not null)
            {
                using var flushTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                flushTimeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(0, _options.FlushTimeoutSeconds)));
                try
                {
                    await _sink.FlushAsync(flushTimeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _logger.LogWarning("Producer stopped with messages still unacknowledged");
                }
            }
            if (_replay is { } replay)
            {
                SavePosition(replay);
            }
            _logger.LogInformation("Producer stopped after {Sent} transactions", _counters.Sent);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Changes the rate; a running producer follows at once.</summary>
    public void SetRate(double rate)
    {
        if (!double.IsFinite(rate) || rate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be a positive number of transactions per second.");
        }
        _rate = rate;
        _bucket?.SetRate(rate);
        if (_state == Running)
        {
            _metrics.TargetRate(rate);
        }
        _logger.LogInformation("Producer rate set to {Rate} tx/s", rate);
    }

    /// <summary>Sends <paramref name="instances"/> instances of a fraud pattern now, outside the rate limit.</summary>
    public async Task<BurstResult> BurstAsync(string pattern, int instances, CancellationToken cancellationToken = default)
    {
        if (!FraudScenarios.IsPattern(pattern))
        {
            throw new ArgumentException($"'{pattern}' is not a fraud pattern. Use one of: {string.Join(", ", FraudScenarios.Patterns)}.");
        }
        var sink = EnsureSink() ?? throw new InvalidOperationException("ConnectionStrings:kafka is not set: the producer has no Kafka to send to.");
        var events = new List<SyntheticTransaction>();
        lock (_burstGate)
        {
            // The same seed gives the same population as synthetic runs, so bursts hit the same card holders.
            _burstTraffic ??= new SyntheticTraffic(new SyntheticSettings
            {
                Scenario = FraudScenarios.Normal,
                Seed = _options.Seed,
                CardHolders = _options.CardHolders,
                Start = _time.GetLocalNow().DateTime,
            });
            var now = _time.GetLocalNow().DateTime;
            var start = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second);
            for (var i = 0; i < instances; i++)
            {
                events.AddRange(_burstTraffic.CreateInstance(pattern, start));
            }
        }
        foreach (var item in events)
        {
            sink.Send(item.Transaction, item.Scenario);
        }
        await sink.FlushAsync(cancellationToken);
        _logger.LogInformation("Burst of {Instances} {Pattern} instance(s): {Count} transactions", instances, pattern, events.Count);
        return new BurstResult(pattern, instances, events.Count, events.Count(e => e.Transaction.IsFraud == 1),
            [.. events.Select(e => e.Transaction.MaskedCard).Distinct()]);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_sink is not null)
        {
            await _sink.DisposeAsync();
            _sink = null;
        }
        _gate.Dispose();
    }

    private bool Fail(string error)
    {
        _lastError = error;
        _state = Faulted;
        _logger.LogError("Producer cannot start: {Error}", error);
        return false;
    }

    private ITransactionSink? EnsureSink()
    {
        if (_sink is not null)
        {
            return _sink;
        }
        lock (_burstGate)
        {
            if (_sink is null && BootstrapServers is { } servers)
            {
                var kafka = new KafkaTransactionSink(servers, _options.Topic, _metrics)
                {
                    DisposeFlushTimeout = TimeSpan.FromSeconds(Math.Max(0, _options.FlushTimeoutSeconds)),
                };
                // A replay's frauds also come back later as chargebacks on fraud.labels, as a bank's would.
                _sink = _options.ChargebackDelay > TimeSpan.Zero
                    ? new ChargebackSink(kafka, new KafkaLabelPublisher(servers, reason => _logger.LogWarning("A chargeback was not delivered: {Reason}", reason)),
                        _options.ChargebackDelay)
                    : kafka;
            }
            return _sink;
        }
    }

    /// <summary>The run's source, and the card history to send before it (replays only).</summary>
    private (ITransactionSource Main, ITransactionSource? History) CreateSources()
    {
        _replay = null;
        if (FraudScenarios.Parse(_options.Scenario) is { } scenario)
        {
            return (SyntheticFrom(scenario), null);
        }
        var file = DataFiles.Resolve(_options.File);
        if (!System.IO.File.Exists(file))
        {
            _logger.LogWarning("Replay file {File} not found; producing synthetic 'mix' traffic instead", _options.File);
            return (SyntheticFrom(FraudScenarios.Mix), null);
        }
        void OnBadRow(CsvRowError error)
        {
            _metrics.Error("bad_row");
            _logger.LogWarning("Skipped line {Line} of the replay file: {Reason}", error.LineNumber, error.Reason);
        }
        var folder = _options.ResumeReplay ? DataPaths.Sub(_configuration, "producer") : null;
        var resumeAt = folder is null ? 0 : ReplayPosition.ResumeRow(folder, file);
        var replay = new ReplaySource(file, _options.Loop, _options.KeepTime, _time, OnBadRow, Mapping(_options.Mapping), resumeAt);
        if (folder is not null)
        {
            if (replay.StartRow > 0)
            {
                _logger.LogInformation(
                    "Resuming the replay of {File} at row {Row} (where the previous run stopped, less {Overlap} rows that Scoring recognises as duplicates)",
                    Path.GetFileName(file), replay.StartRow, ReplayPosition.Overlap);
            }
            _replay = new ResumableReplay(folder, Path.GetFullPath(file), new FileInfo(file).Length, replay.StartRow, replay);
        }
        // History sent again on a resumed run is folded in once only (Scoring skips what its card state already holds).
        var historyFiles = _options.HistoryFiles();
        if (historyFiles.Count == 0)
        {
            return (replay, null);
        }
        try
        {
            return (replay, new HistorySource([.. historyFiles.Select(DataFiles.Resolve)], replay.Shift, OnBadRow));
        }
        catch
        {
            replay.Dispose();
            throw;
        }
    }

    /// <summary>The scenario labels a run of these options produces (series that exist at 0 before it starts).</summary>
    public IReadOnlyList<string> ScenarioLabels()
    {
        if (FraudScenarios.Parse(_options.Scenario) is not null)
        {
            return [FraudScenarios.Normal];
        }
        return _options.HistoryFiles().Count > 0 ? [HistorySource.ScenarioLabel, ReplaySource.ScenarioLabel] : [ReplaySource.ScenarioLabel];
    }

    /// <summary>Producer:Mapping: empty for the Kaggle layout, a preset, or a file found as <see cref="ProducerOptions.File"/> is.</summary>
    internal static ColumnMapping? Mapping(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return null;
        }
        return ColumnMapping.Resolve(ColumnMapping.Presets.ContainsKey(setting.Trim()) ? setting : DataFiles.Resolve(setting));
    }

    /// <summary>Saves how far the replay got: rows read past (bad ones included) whose transactions the broker acknowledged.</summary>
    private void SavePosition(ResumableReplay replay)
    {
        if (replay.Counters is not { } counters || _sink is not { } sink)
        {
            return;
        }
        var acknowledged = Math.Min(counters.Sent, sink.Acknowledged - replay.AcknowledgedBefore);
        if (acknowledged <= 0)
        {
            return;
        }
        try
        {
            new ReplayPosition(replay.File, replay.FileLength, replay.StartRow + replay.Source.Skipped + acknowledged).Save(replay.Folder);
        }
        catch (IOException e)
        {
            _logger.LogWarning("Could not save the replay position in {Folder}: {Error}", replay.Folder, e.Message);
        }
    }

    /// <summary>A replay whose position is kept (<see cref="ProducerOptions.ResumeReplay"/>).</summary>
    private sealed record ResumableReplay(string Folder, string File, long FileLength, long StartRow, ReplaySource Source)
    {
        public RunCounters? Counters { get; init; }
        public long AcknowledgedBefore { get; init; }
    }

    private SyntheticSource SyntheticFrom(string scenario)
    {
        var now = _time.GetLocalNow().DateTime;
        return new SyntheticSource(new SyntheticTraffic(new SyntheticSettings
        {
            Scenario = scenario,
            Seed = _options.Seed,
            FraudShare = _options.FraudShare,
            CardHolders = _options.CardHolders,
            Start = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second),
        }));
    }
}
