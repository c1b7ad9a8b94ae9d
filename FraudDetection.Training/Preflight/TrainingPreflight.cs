using Confluent.Kafka;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Mlflow;
using FraudDetection.Training.Options;
using FraudDetection.Training.Pipeline;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Preflight;

/// <summary>One preflight check: what was checked, whether it is usable, and what was found.</summary>
public sealed record PreflightCheck(string Name, bool Ok, bool Skipped, string Detail);

public sealed record PreflightReport(IReadOnlyList<PreflightCheck> Checks)
{
    public bool Ok => Checks.All(check => check.Ok);

    /// <summary>One line naming every failed part, e.g. "Preflight failed: Kafka broker (127.0.0.1:9) unreachable: ...".</summary>
    public string Summary => Ok
        ? "Preflight passed: " + string.Join("; ", Checks.Select(check => $"{check.Name}: {check.Detail}"))
        : "Preflight failed: " + string.Join("; ", Checks.Where(check => !check.Ok).Select(check => $"{check.Name}: {check.Detail}"));
}

public sealed class PreflightFailedException(PreflightReport report) : Exception(report.Summary)
{
    public PreflightReport Report { get; } = report;
}

/// <summary>
/// Before a run: is the broker answering (Kafka metadata within a short timeout), are the data files there and the
/// work and registry folders writable, and is MLflow answering (when configured)? Each check is bounded by
/// <see cref="TrainingOptions.PreflightTimeout"/>.
/// </summary>
public sealed class TrainingPreflight(
    IConfiguration configuration,
    IOptions<TrainingOptions> options,
    TrainingDataLocator dataLocator,
    IModelRegistryAdmin registry,
    IServiceProvider services,
    ILogger<TrainingPreflight> logger)
{
    public const string BrokerCheck = "Kafka broker";
    public const string DataCheck = "training data";
    public const string StoreCheck = "model store";
    public const string MlflowCheck = "MLflow";

    public async Task<PreflightReport> RunAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.PreflightTimeout;
        var checks = await Task.WhenAll(
            Task.Run(() => CheckBroker(timeout), cancellationToken),
            Task.Run(CheckData, cancellationToken),
            Task.Run(CheckStore, cancellationToken),
            CheckMlflowAsync(timeout, cancellationToken));
        var report = new PreflightReport(checks);
        logger.LogInformation("{Summary}", report.Summary);
        return report;
    }

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var report = await RunAsync(cancellationToken);
        if (!report.Ok)
        {
            throw new PreflightFailedException(report);
        }
    }

    private PreflightCheck CheckBroker(TimeSpan timeout)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (bootstrap is null)
        {
            return options.Value.RequireBroker
                ? new PreflightCheck(BrokerCheck, false, false, $"ConnectionStrings:{KafkaConnection.ConnectionStringName} is not configured")
                : new PreflightCheck(BrokerCheck, true, true, "not configured (skipped)");
        }

        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig
                {
                    BootstrapServers = bootstrap,
                    SocketTimeoutMs = (int)Math.Max(1000, timeout.TotalMilliseconds),
                    SocketConnectionSetupTimeoutMs = (int)Math.Max(1000, timeout.TotalMilliseconds),
                })
                .SetLogHandler((_, _) => { }) // an unreachable broker is reported once, below, not logged per retry
                .Build();
            var metadata = admin.GetMetadata(timeout);
            return metadata.Brokers.Count == 0
                ? new PreflightCheck(BrokerCheck, false, false, $"({bootstrap}) answered with no brokers")
                : new PreflightCheck(BrokerCheck, true, false, $"({bootstrap}) {metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)");
        }
        catch (KafkaException e)
        {
            return new PreflightCheck(BrokerCheck, false, false, $"({bootstrap}) unreachable within {timeout.TotalSeconds:0.#}s: {e.Error.Reason}");
        }
    }

    private PreflightCheck CheckData()
    {
        try
        {
            var files = dataLocator.Resolve();
            var total = files.Sum(file => new FileInfo(file).Length);
            foreach (var file in files)
            {
                using var _ = File.OpenRead(file);
            }

            return new PreflightCheck(DataCheck, true, false, $"{files.Count} file(s), {total / 1024.0 / 1024.0:0.#} MiB");
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new PreflightCheck(DataCheck, false, false, e.Message);
        }
    }

    private PreflightCheck CheckStore()
    {
        var folders = new List<string> { dataLocator.WorkDirectory() };
        if (registry is FileModelRegistry fileRegistry)
        {
            folders.Add(fileRegistry.RootDirectory);
        }

        foreach (var folder in folders)
        {
            try
            {
                Directory.CreateDirectory(folder);
                var probe = Path.Combine(folder, $".preflight-{Guid.NewGuid():N}");
                File.WriteAllText(probe, "ok");
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new PreflightCheck(StoreCheck, false, false, $"folder '{folder}' is not writable: {e.Message}");
            }
        }

        return new PreflightCheck(StoreCheck, true, false, $"writable: {string.Join(", ", folders)}");
    }

    private async Task<PreflightCheck> CheckMlflowAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var server = MlflowConnection.Parse(configuration.GetConnectionString(MlflowConnection.ConnectionStringName));
        if (server is null)
        {
            return new PreflightCheck(MlflowCheck, true, true, "not configured (embedded MLflow file store)");
        }

        var api = services.GetRequiredService<IMlflowApi>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await api.SearchModelVersionsAsync($"name='{Core.Models.ModelRegistryNames.RegisteredModel}'", 1, null, deadline.Token);
            return new PreflightCheck(MlflowCheck, true, false, $"({server}) answering");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PreflightCheck(MlflowCheck, false, false, $"({server}) did not answer within {timeout.TotalSeconds:0.#}s");
        }
        catch (Refit.ApiException e)
        {
            return new PreflightCheck(MlflowCheck, false, false, $"({server}) answered {(int)e.StatusCode} {e.ReasonPhrase}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Connection refused, DNS, TLS, or the resilience handler's timeout/circuit breaker: all "unreachable".
            return new PreflightCheck(MlflowCheck, false, false, $"({server}) unreachable: {e.GetBaseException().Message}");
        }
    }
}
