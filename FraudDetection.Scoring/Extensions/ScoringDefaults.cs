namespace FraudDetection.Scoring.Extensions;

/// <summary>The real feature pipeline, model loader and registry, registered unless the host brought its own.</summary>
internal static class ScoringDefaults
{
    public static void AddDefaultImplementations(IHostApplicationBuilder builder)
    {
        // Filled in as the features, training and registry branches land.
        _ = builder;
    }
}
