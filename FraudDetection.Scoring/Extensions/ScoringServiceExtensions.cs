using FraudDetection.Core.Messaging;
using FraudDetection.Core.Hosting;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Drift;
using FraudDetection.Scoring.Health;
using FraudDetection.Scoring.Labels;
using FraudDetection.Scoring.Live;
using FraudDetection.Scoring.Merchants;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Extensions;

public static class ScoringServiceExtensions
{
    public const string HealthCheckName = "scoring";

    /// <summary>
    /// Registers Scoring on any host builder: options section <c>Scoring</c>, the champion model poller, the
    /// checkpoint store (<c>Scoring:CheckpointStore</c>: SQLite file or compacted Kafka topic), the <c>transactions</c> consumer (group <c>scoring</c>), the live scorer, metrics
    /// and the <c>scoring</c> health check. Needs <c>ConnectionStrings:kafka</c> and an <see cref="Core.Models.IModelRegistry"/>.
    /// </summary>
    public static TBuilder AddScoringServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<ScoringOptions>()
            .Bind(builder.Configuration.GetSection(ScoringOptions.SectionName))
            .Validate(o => o.MaxBatchSize > 0, "Scoring:MaxBatchSize must be positive")
            .Validate(o => o.MaxBatchWaitMs >= 0, "Scoring:MaxBatchWaitMs must not be negative")
            .Validate(o => o.DedupeWindow > 0, "Scoring:DedupeWindow must be positive")
            .Validate(o => o.CheckpointIntervalMs > 0, "Scoring:CheckpointIntervalMs must be positive")
            .Validate(o => o.CheckpointMinMessages >= 0, "Scoring:CheckpointMinMessages must not be negative")
            .Validate(o => o.CheckpointMaxIntervalMs >= o.CheckpointIntervalMs, "Scoring:CheckpointMaxIntervalMs must be at least Scoring:CheckpointIntervalMs")
            .Validate(o => o.ThresholdOverride is null or (>= 0 and <= 1), "Scoring:ThresholdOverride must be within 0..1")
            .Validate(o => o.CheckpointStore is CheckpointStores.Sqlite or CheckpointStores.Kafka, "Scoring:CheckpointStore must be 'sqlite' or 'kafka'")
            .Validate(o => !string.IsNullOrWhiteSpace(o.CheckpointTopic), "Scoring:CheckpointTopic must not be empty")
            .Validate(o => o.CheckpointChunkBytes >= 1024, "Scoring:CheckpointChunkBytes must be at least 1024")
            .Validate(o => o.CheckpointTimeoutMs > 0, "Scoring:CheckpointTimeoutMs must be positive")
            .Validate(o => o.ScoreUpdateTimeoutMs > 0, "Scoring:ScoreUpdateTimeoutMs must be positive")
            .ValidateOnStart();

        services.AddOptions<MerchantOptions>()
            .Bind(builder.Configuration.GetSection(MerchantOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.StageGroup), "Scoring:Merchant:StageGroup must not be empty")
            .Validate(o => o.IdleAfterMs > 0, "Scoring:Merchant:IdleAfterMs must be positive")
            .Validate(o => o.StageCheckpointIntervalMs > 0, "Scoring:Merchant:StageCheckpointIntervalMs must be positive")
            .Validate(o => o.MaxParkedPerPartition > 0, "Scoring:Merchant:MaxParkedPerPartition must be positive")
            .Validate(o => o.FetchWaitMs is > 0 and <= 300_000, "Scoring:Merchant:FetchWaitMs must be between 1 and 300000 (librdkafka's fetch.wait.max.ms)")
            .ValidateOnStart();
        if (builder.Configuration.GetSection(MerchantOptions.SectionName).Get<MerchantOptions>()?.Enabled ?? true)
        {
            // The merchant table this instance joins, its reader and this instance's member of the merchant stage.
            services.TryAddSingleton(sp => new MerchantTable(Core.Features.FeatureOptions.Default, sp.GetRequiredService<ILoggerFactory>().CreateLogger<MerchantTable>()));
            services.AddHostedService<MerchantWorker>();
        }

        services.AddOptions<DriftOptions>()
            .Bind(builder.Configuration.GetSection(DriftOptions.SectionName))
            .Validate(o => o.WindowRows > 0, "Scoring:Drift:WindowRows must be positive")
            .Validate(o => o.MinRows > 0 && o.MinRows <= o.WindowRows, "Scoring:Drift:MinRows must be within 1..WindowRows")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new DriftMonitor(sp.GetRequiredService<IOptions<DriftOptions>>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));

        // Verdicts learned after scoring (fraud.labels), counted in the card label features as they arrive.
        services.TryAddSingleton<LabelTable>();
        services.AddHostedService<LabelWorker>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ScoringTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<ScoringStats>();
        services.AddZeroSeries(sp => sp.GetRequiredService<ScoringTelemetry>().SeedZeros());
        services.TryAddSingleton<ICheckpointStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ScoringOptions>>().Value;
            if (options.CheckpointStore == CheckpointStores.Kafka)
            {
                // Connects lazily: a missing connection string surfaces as the worker's one clear error first.
                return new KafkaCheckpointStore(
                    KafkaConnection.BootstrapServers(builder.Configuration) ?? "",
                    options.CheckpointTopic,
                    options.CheckpointChunkBytes,
                    TimeSpan.FromMilliseconds(options.CheckpointTimeoutMs),
                    logger: sp.GetRequiredService<ILoggerFactory>().CreateLogger<KafkaCheckpointStore>());
            }
            var path = string.IsNullOrWhiteSpace(options.CheckpointPath)
                ? Path.Combine(DataPaths.Sub(builder.Configuration, "scoring"), "checkpoints.db")
                : options.CheckpointPath;
            return new SqliteCheckpointStore(path);
        });

        ScoringDefaults.AddDefaultImplementations(builder);

        services.TryAddSingleton<ChampionModelProvider>();
        services.TryAddSingleton<IModelSource>(sp => sp.GetRequiredService<ChampionModelProvider>());
        services.AddHostedService(sp => sp.GetRequiredService<ChampionModelProvider>());

        services.TryAddSingleton<ScoringWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ScoringWorker>());
        services.TryAddSingleton<LiveScorer>();
        services.TryAddSingleton<TransactionAppender>();

        services.AddHealthChecks().AddCheck<ScoringHealthCheck>(HealthCheckName);
        services.AddKafkaBrokerHealthCheck();
        return builder;
    }
}
