namespace FraudDetection.Core.Registry;

/// <summary>Options section <c>Registry</c>: where models are registered and experiment runs are tracked.</summary>
public sealed class RegistryOptions
{
    public const string SectionName = "Registry";

    /// <summary>Embedded registry folder; default <c>&lt;DataDirectory&gt;/registry</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Embedded MLflow file store (<c>mlflow ui --backend-store-uri</c> reads it); default <c>&lt;DataDirectory&gt;/mlruns</c>.</summary>
    public string? TrackingDirectory { get; set; }

    /// <summary>Where versions downloaded from an MLflow server are kept; default <c>&lt;DataDirectory&gt;/mlflow-cache</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>MLflow experiment the training runs go to.</summary>
    public string ExperimentName { get; set; } = "fraud-detection";

    /// <summary>Registered model name.</summary>
    public string ModelName { get; set; } = Models.ModelRegistryNames.RegisteredModel;

    /// <summary>Timeout of one MLflow REST call.</summary>
    public TimeSpan MlflowTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
