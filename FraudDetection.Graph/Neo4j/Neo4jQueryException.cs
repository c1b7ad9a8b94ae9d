using System.Net;

namespace FraudDetection.Graph.Neo4j;

/// <summary>Neo4j refused a statement; <see cref="IsTransient"/> when trying again may succeed.</summary>
public sealed class Neo4jQueryException(HttpStatusCode status, string code, string message)
    : Exception($"Neo4j answered {(int)status} {code}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Server-side failures, overload, and Neo4j's own TransientError class (deadlocks, leader switches).</summary>
    public bool IsTransient =>
        (int)Status >= 500 || Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
        || Code.StartsWith("Neo.TransientError.", StringComparison.Ordinal);
}
