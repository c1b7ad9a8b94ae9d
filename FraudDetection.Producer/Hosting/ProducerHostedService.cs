using FraudDetection.Producer.Options;
using Microsoft.Extensions.Options;

namespace FraudDetection.Producer.Hosting;

/// <summary>Starts the Producer with the host when <see cref="ProducerOptions.Autostart"/> is set; stops it with the host.</summary>
public sealed class ProducerHostedService(ProducerController controller, IOptions<ProducerOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Autostart)
        {
            // A failure is logged once and shown by GET /api/producer and the health check; the host keeps running.
            await controller.StartAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => controller.StopAsync(cancellationToken);
}
