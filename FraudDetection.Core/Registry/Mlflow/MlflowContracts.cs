using System.Text.Json.Serialization;

namespace FraudDetection.Core.Registry.Mlflow;

// Shapes of MLflow's REST API 2.0 (https://mlflow.org/docs/latest/api_reference/rest-api.html), the fields we use.

public sealed record MlflowTag([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string Value);

public sealed record MlflowParam([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string Value);

public sealed record MlflowMetric(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("step")] long Step);

public sealed record MlflowExperiment
{
    [JsonPropertyName("experiment_id")] public string ExperimentId { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("artifact_location")] public string? ArtifactLocation { get; init; }
    [JsonPropertyName("lifecycle_stage")] public string? LifecycleStage { get; init; }
}

public sealed record GetExperimentResponse([property: JsonPropertyName("experiment")] MlflowExperiment Experiment);

public sealed record CreateExperimentRequest([property: JsonPropertyName("name")] string Name);

public sealed record CreateExperimentResponse([property: JsonPropertyName("experiment_id")] string ExperimentId);

public sealed record CreateRunRequest(
    [property: JsonPropertyName("experiment_id")] string ExperimentId,
    [property: JsonPropertyName("run_name")] string RunName,
    [property: JsonPropertyName("start_time")] long StartTime,
    [property: JsonPropertyName("tags")] IReadOnlyList<MlflowTag> Tags);

public sealed record MlflowRunInfo
{
    [JsonPropertyName("run_id")] public string RunId { get; init; } = "";
    [JsonPropertyName("run_uuid")] public string? RunUuid { get; init; }
    [JsonPropertyName("run_name")] public string? RunName { get; init; }
    [JsonPropertyName("experiment_id")] public string ExperimentId { get; init; } = "";
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("start_time")] public long? StartTime { get; init; }
    [JsonPropertyName("end_time")] public long? EndTime { get; init; }
    [JsonPropertyName("artifact_uri")] public string ArtifactUri { get; init; } = "";
    [JsonPropertyName("lifecycle_stage")] public string? LifecycleStage { get; init; }
}

public sealed record MlflowRunData
{
    [JsonPropertyName("metrics")] public IReadOnlyList<MlflowMetric>? Metrics { get; init; }
    [JsonPropertyName("params")] public IReadOnlyList<MlflowParam>? Params { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<MlflowTag>? Tags { get; init; }
}

public sealed record MlflowRun
{
    [JsonPropertyName("info")] public MlflowRunInfo Info { get; init; } = new();
    [JsonPropertyName("data")] public MlflowRunData? Data { get; init; }
}

public sealed record RunResponse([property: JsonPropertyName("run")] MlflowRun Run);

public sealed record UpdateRunRequest(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("end_time")] long EndTime);

public sealed record LogBatchRequest(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("metrics")] IReadOnlyList<MlflowMetric> Metrics,
    [property: JsonPropertyName("params")] IReadOnlyList<MlflowParam> Params,
    [property: JsonPropertyName("tags")] IReadOnlyList<MlflowTag> Tags);

public sealed record MetricHistoryResponse([property: JsonPropertyName("metrics")] IReadOnlyList<MlflowMetric>? Metrics);

public sealed record MlflowFileInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("is_dir")] bool IsDir,
    [property: JsonPropertyName("file_size")] long? FileSize);

public sealed record ListArtifactsResponse([property: JsonPropertyName("files")] IReadOnlyList<MlflowFileInfo>? Files);

public sealed record CreateRegisteredModelRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description);

public sealed record MlflowRegisteredModel
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("creation_timestamp")] public long? CreationTimestamp { get; init; }
}

public sealed record RegisteredModelResponse([property: JsonPropertyName("registered_model")] MlflowRegisteredModel RegisteredModel);

public sealed record CreateModelVersionRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("run_id")] string? RunId,
    [property: JsonPropertyName("tags")] IReadOnlyList<MlflowTag> Tags);

public sealed record MlflowModelVersion
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("version")] public string Version { get; init; } = "";
    [JsonPropertyName("creation_timestamp")] public long? CreationTimestamp { get; init; }
    [JsonPropertyName("last_updated_timestamp")] public long? LastUpdatedTimestamp { get; init; }
    [JsonPropertyName("source")] public string Source { get; init; } = "";
    [JsonPropertyName("run_id")] public string? RunId { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<MlflowTag>? Tags { get; init; }
    [JsonPropertyName("aliases")] public IReadOnlyList<string>? Aliases { get; init; }
}

public sealed record ModelVersionResponse([property: JsonPropertyName("model_version")] MlflowModelVersion ModelVersion);

public sealed record SearchModelVersionsResponse(
    [property: JsonPropertyName("model_versions")] IReadOnlyList<MlflowModelVersion>? ModelVersions,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken);

public sealed record SetModelVersionTagRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value);

public sealed record SetAliasRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("version")] string Version);

public sealed record DeleteAliasRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("alias")] string Alias);

/// <summary>MLflow's error body: <c>{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}</c>.</summary>
public sealed record MlflowError(
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("message")] string? Message);
