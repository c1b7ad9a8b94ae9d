using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Serialization;

namespace FraudDetection.Tests.Contracts;

/// <summary>docs/asyncapi.yaml read as JSON, with each message's payload, headers and key as a JSON Schema.</summary>
public sealed class AsyncApiDocument
{
    private static readonly Lazy<AsyncApiDocument> Bundled = new(() => Load(Path.Combine(RepoPaths.Root, "docs", "asyncapi.yaml")));

    private AsyncApiDocument(JsonObject root) => Root = root;

    public static AsyncApiDocument Repository => Bundled.Value;

    public JsonObject Root { get; }

    public static AsyncApiDocument Load(string path)
    {
        // Unquoted scalars become numbers and booleans, as a YAML 1.2 reader (and an AsyncAPI tool) reads them.
        var yaml = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build()
            .Deserialize<object>(File.ReadAllText(path));
        return new AsyncApiDocument(JsonSerializer.SerializeToNode(yaml)!.AsObject());
    }

    /// <summary>Topic address → the component message name of each channel.</summary>
    public IReadOnlyDictionary<string, string> MessageByAddress() =>
        Root["channels"]!.AsObject().ToDictionary(
            channel => channel.Value!["address"]!.GetValue<string>(),
            channel => RefName(channel.Value!["messages"]!.AsObject().Single().Value!["$ref"]!.GetValue<string>()));

    /// <summary>Per channel key in <c>channels</c>: the actions (send/receive) of the operations on it.</summary>
    public ILookup<string, string> ActionsByChannel() =>
        Root["operations"]!.AsObject().ToLookup(
            operation => RefName(operation.Value!["channel"]!["$ref"]!.GetValue<string>()),
            operation => operation.Value!["action"]!.GetValue<string>());

    public string ChannelKey(string address) =>
        Root["channels"]!.AsObject().Single(c => c.Value!["address"]!.GetValue<string>() == address).Key;

    public JsonSchema Payload(string message) => SchemaOf(Message(message)["payload"]!);

    public JsonSchema? Headers(string message) => Message(message)["headers"] is { } headers ? SchemaOf(headers) : null;

    public JsonSchema? Key(string message) =>
        Message(message)["bindings"]?["kafka"]?["key"] is { } key ? SchemaOf(key) : null;

    private JsonObject Message(string name) => Root["components"]!["messages"]![name]!.AsObject();

    /// <summary>A schema of its own: the document's component schemas as <c>$defs</c>, references rewritten to them.</summary>
    private JsonSchema SchemaOf(JsonNode schema)
    {
        var definitions = Root["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var text = $$"""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{{definitions}},
             "allOf":[{{schema.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal)}}]}
            """;
        return JsonSchema.FromText(text);
    }

    private static string RefName(string reference) => reference[(reference.LastIndexOf('/') + 1)..];
}
