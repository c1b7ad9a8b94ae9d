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
}
