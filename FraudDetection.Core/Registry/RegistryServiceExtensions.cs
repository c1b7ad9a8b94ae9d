using System.Text.Json;
using System.Text.Json.Serialization;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry.Mlflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Refit;

namespace FraudDetection.Core.Registry;

public static class RegistryServiceExtensions
{
    /// <summary>
    /// Registers <see cref="IModelRegistry"/> and <see cref="IModelRegistryAdmin"/>: the MLflow server of
    /// <c>ConnectionStrings:mlflow</c> when one is configured (with its REST client, <see cref="IMlflowApi"/>), otherwise
    /// the embedded folder registry (<c>Registry:Directory</c>, default <c>&lt;FraudDetection:DataDirectory&gt;/registry</c>),
    /// mirrored to an <see cref="IRegistryMirror"/> when one is registered (Training's MLflow file store).
    /// Safe to call from several services on one builder: the first call wins.
    /// </summary>
    public static TBuilder AddModelRegistry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IModelRegistryAdmin)))
        {
            return builder;
        }

        builder.Services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);

        var server = MlflowConnection.Parse(builder.Configuration.GetConnectionString(MlflowConnection.ConnectionStringName));
        if (server is not null)
        {
            var timeout = builder.Configuration.GetSection(RegistryOptions.SectionName).Get<RegistryOptions>()?.MlflowTimeout ?? TimeSpan.FromSeconds(100);
            builder.Services.AddRefitGeneratedClient<IMlflowApi>(new RefitSettings(new SystemTextJsonContentSerializer(MlflowJson)))
                .ConfigureHttpClient(client =>
                {
                    client.BaseAddress = server;
                    client.Timeout = timeout;
                });
            builder.Services.TryAddSingleton<IModelRegistryAdmin>(services =>
            {
                var options = services.GetRequiredService<IOptions<RegistryOptions>>().Value;
                var configuration = services.GetRequiredService<IConfiguration>();
                var cache = options.CacheDirectory is { Length: > 0 } configured ? Path.GetFullPath(configured) : DataPaths.Sub(configuration, "mlflow-cache");
                return new MlflowModelRegistry(services.GetRequiredService<IMlflowApi>(), server, cache, options.ExperimentName, services.GetRequiredService<TimeProvider>(), options.ModelName);
            });
        }
        else
        {
            builder.Services.TryAddSingleton<IModelRegistryAdmin>(services =>
            {
                var options = services.GetRequiredService<IOptions<RegistryOptions>>().Value;
                var configuration = services.GetRequiredService<IConfiguration>();
                return new FileModelRegistry(RegistryDirectory(configuration, options), services.GetRequiredService<TimeProvider>(), options.ModelName,
                    services.GetService<IRegistryMirror>());
            });
        }

        builder.Services.TryAddSingleton<IModelRegistry>(services => services.GetRequiredService<IModelRegistryAdmin>());
        return builder;
    }

    /// <summary>JSON as MLflow writes it (int64 may come as strings from protobuf's JSON mapping).</summary>
    public static JsonSerializerOptions MlflowJson { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The embedded registry folder for this configuration.</summary>
    public static string RegistryDirectory(IConfiguration configuration, RegistryOptions options)
        => options.Directory is { Length: > 0 } configured ? Path.GetFullPath(configured) : DataPaths.Sub(configuration, "registry");

    /// <summary>The embedded MLflow file store for this configuration.</summary>
    public static string TrackingDirectory(IConfiguration configuration, RegistryOptions options)
        => options.TrackingDirectory is { Length: > 0 } configured ? Path.GetFullPath(configured) : DataPaths.Sub(configuration, "mlruns");
}
