using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace FraudDetection.Graph.Neo4j;

/// <summary>Neo4j's HTTP Query API (Neo4j 5.19+): one Cypher statement per request in an implicit transaction.</summary>
public interface INeo4jQueryApi
{
    [Post("/db/{database}/query/v2")]
    [Headers("Accept: application/json")]
    Task<IApiResponse<Neo4jQueryResponse>> QueryAsync(string database, [Body(buffered: true)] Neo4jQueryRequest request, CancellationToken cancellationToken);
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

/// <summary>A verdict as the label statement's <c>$rows</c> holds it.</summary>
public sealed record Neo4jLabelRow(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("learned_at")] string LearnedAt);

/// <summary>Source-generated JSON for the Query API, including every runtime type a statement parameter may hold.</summary>
[JsonSerializable(typeof(Neo4jQueryRequest))]
[JsonSerializable(typeof(Neo4jQueryResponse))]
[JsonSerializable(typeof(GraphEdge[]))]
[JsonSerializable(typeof(Neo4jLabelRow[]))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
public sealed partial class Neo4jJsonContext : JsonSerializerContext;
