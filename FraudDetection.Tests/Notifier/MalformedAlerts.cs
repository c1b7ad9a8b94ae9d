using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Tests.Notifier;

/// <summary>
/// Alerts the Notifier must dead-letter rather than message a card holder about: broken JSON, wrong types,
/// non-finite or out-of-range numbers, invalid UTF-8, oversized values, missing or empty ids, a full card number where
/// the masked one belongs, dates far away. Kind <c>i</c> is made from the <c>i</c>-th valid alert.
/// </summary>
public static class MalformedAlerts
{
    public static (string Kind, byte[] Value)[] Corpus(IReadOnlyList<FraudAlert> valid)
    {
        (string Kind, Func<string, byte[]> Make)[] kinds =
        [
            ("truncated JSON", t => Encoding.UTF8.GetBytes(t)[..(Encoding.UTF8.GetByteCount(t) / 2)]),
            ("not JSON", _ => Encoding.UTF8.GetBytes("{not json")),
            ("empty value", _ => []),
            ("JSON array", _ => Encoding.UTF8.GetBytes("[1,2,3]")),
            ("JSON null", _ => Encoding.UTF8.GetBytes("null")),
            ("depth bomb", _ => Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200))),
            ("invalid UTF-8", t => [.. Encoding.UTF8.GetBytes(t)[..20], 0xFF, 0xFE, 0xC3, .. Encoding.UTF8.GetBytes(t)[20..]]),
            ("trans_num missing", t => With(t, n => n.Remove("trans_num"))),
            ("trans_num empty", t => With(t, n => n["trans_num"] = "")),
            ("alert_id empty", t => With(t, n => n["alert_id"] = "")),
            ("no card at all", t => With(t, n => { n["card_id"] = ""; n["card_masked"] = ""; })),
            ("full card number as the masked one", t => With(t, n => n["card_masked"] = "4000123412341234")),
            ("amount negative", t => With(t, n => n["amount"] = -5)),
            ("amount as text", t => With(t, n => n["amount"] = "lots")),
            ("amount NaN", t => With(t, n => n["amount"] = "NaN")),
            ("score above 1", t => With(t, n => n["score"] = 7.5)),
            ("threshold negative", t => With(t, n => n["threshold"] = -1)),
            ("local_time impossible", t => With(t, n => n["local_time"] = "2020-02-30 10:00:00")),
            ("local_time in 1800", t => With(t, n => n["local_time"] = "1800-01-01 10:00:00")),
            ("local_time in 2300", t => With(t, n => n["local_time"] = "2300-01-01 10:00:00")),
            ("merchant of half a megabyte", t => With(t, n => n["merchant"] = new string('m', 1 << 19))),
            ("reasons as text", t => With(t, n => n["reasons"] = "because")),
        ];
        valid.Count.Should().BeGreaterThanOrEqualTo(kinds.Length, "each kind is made from an alert of its own");
        return [.. kinds.Select((kind, i) => (kind.Kind, kind.Make(JsonSerializer.Serialize(valid[i], FraudJsonContext.Default.FraudAlert))))];
    }

    private static byte[] With(string template, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(template)!.AsObject();
        change(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }
}
