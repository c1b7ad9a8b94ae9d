using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Tests.Scoring;

/// <summary>Values on <c>fraud.labels</c> that are not a verdict, made from a valid one: every reader must skip them.</summary>
public static class MalformedLabels
{
    public static (string Kind, byte[] Value)[] Corpus(FraudLabel valid)
    {
        var json = JsonSerializer.Serialize(valid, FraudJsonContext.Default.FraudLabel);
        byte[] With(string property, JsonNode? value)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node[property] = value;
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        byte[] Without(string property)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node.Remove(property);
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        return
        [
            ("not JSON", Encoding.UTF8.GetBytes("{\"trans_num\": 7")),
            ("empty value", []),
            ("JSON null", Encoding.UTF8.GetBytes("null")),
            ("JSON array", Encoding.UTF8.GetBytes("[]")),
            ("unknown label", With("label", "maybe")),
            ("unknown source", With("source", "rumour")),
            ("card id missing", Without("card_id")),
            ("trans_num empty", With("trans_num", "")),
            ("transaction time missing", Without("transaction_time")),
            ("transaction time not a date", With("transaction_time", "yesterday")),
            ("label as number", With("label", 1)),
        ];
    }
}
