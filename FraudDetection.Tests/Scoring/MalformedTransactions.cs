using System.Text;
using System.Text.RegularExpressions;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Tests.Scoring;

/// <summary>Input Scoring must dead-letter, each with its reason: made from a valid transaction's JSON.</summary>
public static class MalformedTransactions
{
    public static (string Reason, byte[] Value)[] From(string validTemplate, string transNum)
    {
        string Mutate(string property, string replacement) =>
            Regex.Replace(validTemplate, $"\"{property}\":(\"[^\"]*\"|[^,}}]*)", replacement);
        return
        [
            (DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("{not json")),
            (DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("[1,2,3]")),
            (DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":-12.5"))),
            (DeadLetterReasons.InvalidDate, Encoding.UTF8.GetBytes(Mutate("trans_date_trans_time", "\"trans_date_trans_time\":\"2020-02-30 10:00:00\""))),
            (DeadLetterReasons.MissingCard, Encoding.UTF8.GetBytes(Mutate("cc_num", "\"cc_num\":null"))),
            (DeadLetterReasons.MissingTransNum, Encoding.UTF8.GetBytes(Mutate("trans_num", "\"trans_num\":\"\""))),
            (DeadLetterReasons.MissingTransNum, Encoding.UTF8.GetBytes(validTemplate.Replace($",\"trans_num\":\"{transNum}\"", "", StringComparison.Ordinal))),
        ];
    }

    /// <summary>
    /// The bad-input corpus: at least twenty kinds of malformed transaction (broken JSON, wrong types, non-finite and
    /// absurd numbers, invalid UTF-8, impossible dates, missing or empty fields, bad card numbers, depth bombs), each
    /// with the dead-letter reason Scoring gives it, built from a valid <paramref name="validTemplate"/>.
    /// </summary>
    public static (string Kind, string Reason, byte[] Value)[] Corpus(string validTemplate, string transNum)
    {
        string Mutate(string property, string replacement) =>
            Regex.Replace(validTemplate, $"\"{property}\":(\"[^\"]*\"|[^,}}]*)", replacement);
        string Without(string property)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(validTemplate)!.AsObject();
            node.Remove(property).Should().BeTrue($"the template has {property}");
            return node.ToJsonString();
        }
        var utf8 = Encoding.UTF8.GetBytes(validTemplate);
        var merchantAt = validTemplate.IndexOf("\"merchant\":\"", StringComparison.Ordinal) + "\"merchant\":\"".Length;
        var invalidUtf8 = utf8.Take(merchantAt).Concat(new byte[] { 0xFF, 0xFE, 0xC3 }).Concat(utf8.Skip(merchantAt)).ToArray();
        return
        [
            ("truncated JSON", DeadLetterReasons.Unparseable, utf8[..(utf8.Length / 2)]),
            ("not JSON", DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("{not json")),
            ("empty value", DeadLetterReasons.Unparseable, []),
            ("JSON array", DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("[1,2,3]")),
            ("JSON null", DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("null")),
            ("JSON number", DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes("42")),
            ("depth bomb", DeadLetterReasons.Unparseable, Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200))),
            ("invalid UTF-8", DeadLetterReasons.Unparseable, invalidUtf8),
            ("negative amount", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":-12.5"))),
            ("amount as text", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":\"twelve\""))),
            ("amount NaN", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":\"NaN\""))),
            ("amount beyond double", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":1e400"))),
            ("amount as boolean", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Mutate("amt", "\"amt\":true"))),
            ("amount missing", DeadLetterReasons.InvalidAmount, Encoding.UTF8.GetBytes(Without("amt"))),
            ("impossible date", DeadLetterReasons.InvalidDate, Encoding.UTF8.GetBytes(Mutate("trans_date_trans_time", "\"trans_date_trans_time\":\"2020-02-30 10:00:00\""))),
            ("date far in the past", DeadLetterReasons.InvalidDate, Encoding.UTF8.GetBytes(Mutate("trans_date_trans_time", "\"trans_date_trans_time\":\"1800-01-01 10:00:00\""))),
            ("date far in the future", DeadLetterReasons.InvalidDate, Encoding.UTF8.GetBytes(Mutate("trans_date_trans_time", "\"trans_date_trans_time\":\"2300-01-01 10:00:00\""))),
            ("date missing", DeadLetterReasons.InvalidDate, Encoding.UTF8.GetBytes(Without("trans_date_trans_time"))),
            ("card null", DeadLetterReasons.MissingCard, Encoding.UTF8.GetBytes(Mutate("cc_num", "\"cc_num\":null"))),
            ("card zero", DeadLetterReasons.MissingCard, Encoding.UTF8.GetBytes(Mutate("cc_num", "\"cc_num\":0"))),
            ("card negative", DeadLetterReasons.MissingCard, Encoding.UTF8.GetBytes(Mutate("cc_num", "\"cc_num\":-4000000000000001"))),
            ("card as object", DeadLetterReasons.MissingCard, Encoding.UTF8.GetBytes(Mutate("cc_num", "\"cc_num\":{\"number\":1}"))),
            ("trans_num empty", DeadLetterReasons.MissingTransNum, Encoding.UTF8.GetBytes(Mutate("trans_num", "\"trans_num\":\"\""))),
            ("trans_num missing", DeadLetterReasons.MissingTransNum, Encoding.UTF8.GetBytes(validTemplate.Replace($",\"trans_num\":\"{transNum}\"", "", StringComparison.Ordinal))),
        ];
    }
}
