using System.Text.Json;

namespace FraudDetection.Graph.Neo4j;

/// <summary>The <c>data</c> of a Query API answer: field names and rows of plain JSON values.</summary>
public sealed class Neo4jResult(Neo4jQueryData data)
{
    private readonly Dictionary<string, int> _index = data.Fields.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);

    public IReadOnlyList<string> Fields => data.Fields;
    public int Count => data.Values.Count;

    public IReadOnlyList<T> Rows<T>(Func<Neo4jRow, T> read) => data.Values.Select(values => read(new Neo4jRow(_index, values))).ToList();
}

public readonly struct Neo4jRow(Dictionary<string, int> index, IReadOnlyList<JsonElement> values)
{
    private JsonElement Get(string field) => index.TryGetValue(field, out var i) && i < values.Count
        ? values[i]
        : throw new KeyNotFoundException($"Neo4j answer has no field '{field}'");

    public string String(string field) => Get(field) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : "";
    public long Long(string field) => Get(field) is { ValueKind: JsonValueKind.Number } e ? (e.TryGetInt64(out var exact) ? exact : (long)e.GetDouble()) : 0;
    public double Double(string field) => Get(field) is { ValueKind: JsonValueKind.Number } e ? e.GetDouble() : 0;
    public bool Bool(string field) => Get(field).ValueKind == JsonValueKind.True;

    public bool IsNull(string field) => Get(field).ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public int? NullableInt(string field) => Get(field) is { ValueKind: JsonValueKind.Number } e ? (int)e.GetDouble() : null;
}
