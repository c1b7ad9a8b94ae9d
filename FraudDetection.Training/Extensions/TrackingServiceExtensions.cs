using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Mlflow;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Extensions;

public static class TrackingServiceExtensions
{
    /// <summary>
    /// Registers the model registry (<see cref="RegistryServiceExtensions.AddModelRegistry{TBuilder}"/>) and the
    /// <see cref="IExperimentTracker"/> beside it: the MLflow server of <c>ConnectionStrings:mlflow</c> when one is
    /// configured, otherwise MLflow's file-store layout (<c>Registry:TrackingDirectory</c>, default
    /// <c>&lt;FraudDetection:DataDirectory&gt;/mlruns</c>), which also mirrors the folder registry for <c>mlflow ui</c>.
    /// </summary>
    public static TBuilder AddExperimentTracking<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        var server = MlflowConnection.Parse(builder.Configuration.GetConnectionString(MlflowConnection.ConnectionStringName));
        if (server is not null)
        {
            services.TryAddSingleton<IExperimentTracker>(sp => new MlflowTracker(sp.GetRequiredService<IMlflowApi>(), server, sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.TryAddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<RegistryOptions>>().Value;
                return new MlflowFileStore(RegistryServiceExtensions.TrackingDirectory(sp.GetRequiredService<IConfiguration>(), options), sp.GetRequiredService<TimeProvider>());
            });
            services.TryAddSingleton<IExperimentTracker>(sp => sp.GetRequiredService<MlflowFileStore>());
            services.TryAddSingleton<IRegistryMirror>(sp => sp.GetRequiredService<MlflowFileStore>());
        }
        builder.AddModelRegistry();
        return builder;
    }
}
