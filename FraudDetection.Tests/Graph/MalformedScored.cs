using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Tests.Graph;

/// <summary>
/// Scored messages the graph sink must skip as unreadable (count, commit past, never store, never stall on): broken
/// JSON, wrong types, non-finite or out-of-range scores, invalid UTF-8, half-megabyte values, duplicate keys, missing or
/// empty fields, bad card numbers. Each is made from a valid scored transaction with its own trans_num.
/// </summary>
public static class MalformedScored
{
    /// <summary>The corpus; kind <c>i</c> is made from <paramref name="valid"/>[i] (at least as many as there are kinds).</summary>
    public static (string Kind, byte[] Value)[] Corpus(IReadOnlyList<ScoredTransaction> valid)
    {
        var kinds = Kinds();
        valid.Count.Should().BeGreaterThanOrEqualTo(kinds.Length, "each kind is made from a transaction of its own");
        return [.. kinds.Select((kind, i) => (kind.Kind, kind.Make(JsonSerializer.Serialize(valid[i], FraudJsonContext.Default.ScoredTransaction))))];
    }

    private static (string Kind, Func<string, byte[]> Make)[] Kinds()
    {
        static byte[] With(string template, Action<JsonObject> change)
        {
            var node = JsonNode.Parse(template)!.AsObject();
            change(node);
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        static byte[] Transaction(string template, Action<JsonObject> change) => With(template, n => change(n["transaction"]!.AsObject()));
        static byte[] InvalidUtf8(string template)
        {
            var utf8 = Encoding.UTF8.GetBytes(template);
            var at = template.IndexOf("\"model_version\":\"", StringComparison.Ordinal) + "\"model_version\":\"".Length;
            return [.. utf8.Take(at), 0xFF, 0xFE, 0xC3, .. utf8.Skip(at)];
        }
        return
        [
            ("truncated JSON", t => Encoding.UTF8.GetBytes(t)[..(Encoding.UTF8.GetByteCount(t) / 2)]),
            ("not JSON", _ => Encoding.UTF8.GetBytes("{not json")),
            ("empty value", _ => []),
            ("JSON array", _ => Encoding.UTF8.GetBytes("[1,2,3]")),
            ("JSON null", _ => Encoding.UTF8.GetBytes("null")),
            ("depth bomb", _ => Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200))),
            ("invalid UTF-8", InvalidUtf8),
            ("two objects", t => Encoding.UTF8.GetBytes(t + t)),
            ("score missing", t => With(t, n => n.Remove("score"))),
            ("score as text", t => With(t, n => n["score"] = "high")),
            ("score NaN", t => With(t, n => n["score"] = "NaN")),
            ("score above 1", t => With(t, n => n["score"] = 1.5)),
            ("score negative", t => With(t, n => n["score"] = -0.1)),
            ("is_alert as number", t => With(t, n => n["is_alert"] = 1)),
            ("model_version missing", t => With(t, n => n.Remove("model_version"))),
            ("model_version empty", t => With(t, n => n["model_version"] = "")),
            ("model_version of half a megabyte", t => With(t, n => n["model_version"] = new string('v', 1 << 19))),
            ("transaction missing", t => With(t, n => n.Remove("transaction"))),
            ("transaction null", t => With(t, n => n["transaction"] = null)),
            ("trans_num empty", t => Transaction(t, x => x["trans_num"] = "")),
            ("card zero", t => Transaction(t, x => x["cc_num"] = 0)),
            ("card negative", t => Transaction(t, x => x["cc_num"] = -4000000000000001)),
            ("amount as text", t => Transaction(t, x => x["amt"] = "twelve")),
            ("duplicate score key", t => Encoding.UTF8.GetBytes(t.Replace("\"score\":", "\"score\":0.5,\"score\":", StringComparison.Ordinal))),
        ];
    }
}
