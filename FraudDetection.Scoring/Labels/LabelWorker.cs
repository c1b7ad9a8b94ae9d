using Microsoft.Extensions.Configuration;

namespace FraudDetection.Scoring.Labels;

/// <summary>Hosts the reader of <c>fraud.labels</c> for this instance's <see cref="LabelTable"/>.</summary>
public sealed class LabelWorker(IConfiguration configuration, LabelTable table, ILogger<LabelWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        return bootstrap is null
            ? Task.CompletedTask // ScoringWorker reports the missing connection
            : new LabelTableReader(bootstrap, table, logger).RunAsync(stoppingToken);
    }
}
