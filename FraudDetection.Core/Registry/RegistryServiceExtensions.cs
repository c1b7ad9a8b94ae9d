using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudDetection.Core.Registry;

public static class RegistryServiceExtensions
{
    /// <summary>
    /// Registers <see cref="IModelRegistry"/> and <see cref="IModelRegistryAdmin"/>: the embedded folder registry
    /// under <c>Registry:Directory</c> (default <c>&lt;FraudDetection:DataDirectory&gt;/registry</c>).
    /// Safe to call from several services on one builder (the AppHost does): the first call wins.
    /// </summary>
    public static TBuilder AddModelRegistry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IModelRegistryAdmin>(services =>
        {
            var options = services.GetRequiredService<IOptions<RegistryOptions>>().Value;
            var configuration = services.GetRequiredService<IConfiguration>();
            return new FileModelRegistry(RegistryDirectory(configuration, options), services.GetRequiredService<TimeProvider>(), options.ModelName);
        });
        builder.Services.TryAddSingleton<IModelRegistry>(services => services.GetRequiredService<IModelRegistryAdmin>());
        return builder;
    }

    /// <summary>The embedded registry folder for this configuration.</summary>
    public static string RegistryDirectory(IConfiguration configuration, RegistryOptions options)
        => options.Directory is { Length: > 0 } configured ? Path.GetFullPath(configured) : DataPaths.Sub(configuration, "registry");
}
