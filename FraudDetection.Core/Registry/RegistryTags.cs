namespace FraudDetection.Core.Registry;

/// <summary>Tag keys on runs and model versions, shared by both registries, the gate and the pages.</summary>
public static class RegistryTags
{
    /// <summary>The tracked run (MLflow run id) a version came from.</summary>
    public const string RunId = "run_id";

    /// <summary>Where the model folder was built (a local path), for the pages.</summary>
    public const string SourceDirectory = "source_directory";

    /// <summary>Promotion gate outcome: <c>promoted</c>, <c>kept_challenger</c>, <c>first_champion</c>, <c>replaced_unservable</c>, <c>not_servable</c>.</summary>
    public const string GateDecision = "promotion.decision";

    /// <summary>Promotion gate reason, in words.</summary>
    public const string GateReason = "promotion.reason";

    /// <summary>The champion version the challenger was compared with.</summary>
    public const string GateComparedWith = "promotion.compared_with";

    /// <summary>The labelled window both models were scored on.</summary>
    public const string GateWindow = "promotion.window";
}
