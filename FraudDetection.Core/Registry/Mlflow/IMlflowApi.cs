using Refit;

namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>The MLflow tracking server's REST API (2.0): tracking, model registry and the artifacts proxy.</summary>
public interface IMlflowApi
{
    [Get("/api/2.0/mlflow/experiments/get-by-name")]
    Task<GetExperimentResponse> GetExperimentByNameAsync([AliasAs("experiment_name")] string experimentName, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/experiments/create")]
    Task<CreateExperimentResponse> CreateExperimentAsync([Body] CreateExperimentRequest request, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/runs/create")]
    Task<RunResponse> CreateRunAsync([Body] CreateRunRequest request, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/runs/update")]
    Task UpdateRunAsync([Body] UpdateRunRequest request, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/runs/get")]
    Task<RunResponse> GetRunAsync([AliasAs("run_id")] string runId, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/runs/log-batch")]
    Task LogBatchAsync([Body] LogBatchRequest request, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/metrics/get-history")]
    Task<MetricHistoryResponse> GetMetricHistoryAsync([AliasAs("run_id")] string runId, [AliasAs("metric_key")] string metricKey, CancellationToken cancellationToken = default);

    [Put("/api/2.0/mlflow-artifacts/artifacts/{**path}")]
    Task UploadArtifactAsync(string path, [Body] HttpContent content, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow-artifacts/artifacts/{**path}")]
    Task<HttpResponseMessage> DownloadArtifactAsync(string path, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow-artifacts/artifacts")]
    Task<ListArtifactsResponse> ListArtifactsAsync([AliasAs("path")] string path, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/registered-models/get")]
    Task<RegisteredModelResponse> GetRegisteredModelAsync([AliasAs("name")] string name, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/registered-models/create")]
    Task<RegisteredModelResponse> CreateRegisteredModelAsync([Body] CreateRegisteredModelRequest request, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/model-versions/create")]
    Task<ModelVersionResponse> CreateModelVersionAsync([Body] CreateModelVersionRequest request, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/model-versions/get")]
    Task<ModelVersionResponse> GetModelVersionAsync([AliasAs("name")] string name, [AliasAs("version")] string version, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/model-versions/search")]
    Task<SearchModelVersionsResponse> SearchModelVersionsAsync(
        [AliasAs("filter")] string filter,
        [AliasAs("max_results")] int maxResults,
        [AliasAs("page_token")] string? pageToken = null,
        CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/model-versions/set-tag")]
    Task SetModelVersionTagAsync([Body] SetModelVersionTagRequest request, CancellationToken cancellationToken = default);

    [Post("/api/2.0/mlflow/registered-models/alias")]
    Task SetAliasAsync([Body] SetAliasRequest request, CancellationToken cancellationToken = default);

    // MLflow reads DELETE parameters from the query string in recent servers and from the body in older ones: send both.
    [Delete("/api/2.0/mlflow/registered-models/alias")]
    Task DeleteAliasAsync([AliasAs("name")] string name, [AliasAs("alias")] string alias, [Body] DeleteAliasRequest request, CancellationToken cancellationToken = default);

    [Get("/api/2.0/mlflow/registered-models/alias")]
    Task<ModelVersionResponse> GetModelVersionByAliasAsync([AliasAs("name")] string name, [AliasAs("alias")] string alias, CancellationToken cancellationToken = default);
}
