using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// Hosts this instance's member of the merchant stage and the reader of the merchant table; either is rebuilt after
/// a failure (from its checkpoint). Registered only when <c>Scoring:Merchant:Enabled</c>.
/// </summary>
public sealed class MerchantWorker(
    IConfiguration configuration,
    IOptions<ScoringOptions> scoringOptions,
    IOptions<MerchantOptions> merchantOptions,
    MerchantTable table,
    ICheckpointStore checkpoints,
    ILogger<MerchantWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (bootstrap is null)
        {
            return Task.CompletedTask; // ScoringWorker reports the missing connection
        }
        var reader = new MerchantTableReader(bootstrap, table, checkpoints, scoringOptions.Value, logger, merchantOptions.Value);
        return Task.WhenAll(
            KeepRunning("merchant table reader", reader.RunAsync, stoppingToken),
            KeepRunning("merchant stage", token => new MerchantStage(bootstrap, merchantOptions.Value, checkpoints, logger, table).RunAsync(token), stoppingToken));
    }

    private async Task KeepRunning(string name, Func<CancellationToken, Task> run, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await run(stoppingToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "The {Name} failed; restarting from its checkpoint in {Backoff}", name, backoff);
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
