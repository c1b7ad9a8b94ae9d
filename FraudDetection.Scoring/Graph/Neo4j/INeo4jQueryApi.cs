using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace FraudDetection.Scoring.Graph.Neo4j;

/// <summary>Neo4j's HTTP Query API (Neo4j 5.19+): one Cypher statement per request in an implicit transaction.</summary>
public interface INeo4jQueryApi
{
    [Post("/db/{database}/query/v2")]
    [Headers("Accept: application/json")]
    Task<IApiResponse<Neo4jQueryResponse>> QueryAsync(string database, [Body] Neo4jQueryRequest request, CancellationToken cancellationToken);
}

public sealed record Neo4jQueryRequest(
    [property: JsonPropertyName("statement")] string Statement,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, object?> Parameters);

public sealed record Neo4jQueryResponse(
    [property: JsonPropertyName("data")] Neo4jQueryData? Data,
    [property: JsonPropertyName("bookmarks")] IReadOnlyList<string>? Bookmarks,
    [property: JsonPropertyName("errors")] IReadOnlyList<Neo4jError>? Errors);

public sealed record Neo4jQueryData(
    [property: JsonPropertyName("fields")] IReadOnlyList<string> Fields,
    [property: JsonPropertyName("values")] IReadOnlyList<IReadOnlyList<JsonElement>> Values);

public sealed record Neo4jError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
