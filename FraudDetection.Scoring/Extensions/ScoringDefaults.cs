using FraudDetection.Core.Registry;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraudDetection.Scoring.Extensions;

/// <summary>The real feature pipeline, model loader and registry, registered unless the host brought its own.</summary>
internal static class ScoringDefaults
{
    public static void AddDefaultImplementations(IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IFeaturePipeline>(sp => new OnlineFeaturePipeline(merchantTable: sp.GetService<Merchants.MerchantTable>(), labelTable: sp.GetService<Labels.LabelTable>()));
        // The loader refuses a model that needs a feature the pipeline does not compute (e.g. merchant features without the stage).
        builder.Services.TryAddSingleton<IScoringModelLoader>(sp =>
            new OnnxModelLoader(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.ScoringOptions>>().Value.InferenceThreads,
                sp.GetRequiredService<IFeaturePipeline>().Computes));
        // Embedded folder registry, or MLflow when ConnectionStrings:mlflow is set; the first caller on a builder wins.
        builder.AddModelRegistry();
    }
}
