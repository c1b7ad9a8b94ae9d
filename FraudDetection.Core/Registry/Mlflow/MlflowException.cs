using System.Net;
using System.Text.Json;
using Refit;

namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>An MLflow call that failed, with what was asked, the HTTP status and MLflow's error code and message.</summary>
public sealed class MlflowException(string message, HttpStatusCode? statusCode, string? errorCode, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>MLflow's <c>error_code</c>, e.g. <c>RESOURCE_DOES_NOT_EXIST</c>, <c>RESOURCE_ALREADY_EXISTS</c>.</summary>
    public string? ErrorCode { get; } = errorCode;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound || ErrorCode == "RESOURCE_DOES_NOT_EXIST";

    public bool IsAlreadyExists => ErrorCode == "RESOURCE_ALREADY_EXISTS";

    public static async Task<T> CallAsync<T>(Uri server, string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ApiException e)
        {
            throw From(server, what, e);
        }
        catch (HttpRequestException e)
        {
            throw new MlflowException($"MLflow at {server} is unreachable ({what}): {e.Message}", null, null, e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new MlflowException($"MLflow at {server} did not answer in time ({what}).", null, null, e);
        }
    }

    public static Task CallAsync(Uri server, string what, Func<Task> call)
        => CallAsync(server, what, async () =>
        {
            await call();
            return true;
        });

    private static MlflowException From(Uri server, string what, ApiException e)
    {
        MlflowError? error = null;
        try
        {
            error = e.Content is { Length: > 0 } content ? JsonSerializer.Deserialize<MlflowError>(content) : null;
        }
        catch (JsonException)
        {
            // Not MLflow's error shape (a proxy's HTML page, say): the status code says enough.
        }

        var detail = error?.Message ?? e.ReasonPhrase ?? "";
        return new MlflowException(
            $"MLflow at {server}: {what} failed with {(int)e.StatusCode} {error?.ErrorCode} {detail}".TrimEnd(),
            e.StatusCode,
            error?.ErrorCode,
            e);
    }
}
