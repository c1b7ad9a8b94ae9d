using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>Hosts the scoring consumer; a consumer that fails is rebuilt (it resumes from the last checkpoint).</summary>
public sealed class ScoringWorker(
    IConfiguration configuration,
    IOptions<ScoringOptions> options,
    IFeaturePipeline pipeline,
    IModelSource models,
    ICheckpointStore checkpoints,
    ScoringTelemetry telemetry,
    ScoringStats stats,
    IOptions<Merchants.MerchantOptions> merchantOptions,
    ILogger<ScoringWorker> logger) : BackgroundService
{
    private volatile ScoringConsumer? current;

    /// <summary>The running consumer (null while none runs), for the live API's read-only state access.</summary>
    public ScoringConsumer? Current => current;

    /// <summary>Set when the service cannot run at all (e.g. no Kafka connection configured).</summary>
    public string? ConfigurationError { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (bootstrap is null)
        {
            ConfigurationError = KafkaConnection.NotConfigured("Scoring") + " The scoring consumer is not running.";
            stats.ConsumerStatus = "not configured";
            logger.LogError("{Error}", ConfigurationError);
            return;
        }

        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var consumer = new ScoringConsumer(bootstrap, options.Value, pipeline, models, checkpoints, telemetry, stats, logger,
                merchantOptions: merchantOptions.Value);
            current = consumer;
            try
            {
                await consumer.RunAsync(stoppingToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                stats.AddRestart();
                stats.ConsumerStatus = $"restarting after error: {e.Message}";
                logger.LogError(e, "Scoring consumer failed; restarting from the last checkpoint in {Backoff}", backoff);
            }
            finally
            {
                current = null;
                consumer.Dispose();
            }
            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
        }
    }
}
