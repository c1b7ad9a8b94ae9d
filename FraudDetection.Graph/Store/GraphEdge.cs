using System.Globalization;
using System.Text.Json.Serialization;
using CommunityToolkit.HighPerformance.Buffers;

namespace FraudDetection.Graph.Store;

/// <summary>
/// One scored transaction as the graph stores it: the card's holder fields, the merchant, and the TRANSACTION edge.
/// JSON names are the Cypher row keys (<c>UNWIND $rows AS row</c>).
/// </summary>
public sealed record GraphEdge
{
    // (:Card)
    [JsonPropertyName("cc_num")] public required long CcNum { get; init; }
    [JsonPropertyName("first")] public string First { get; init; } = "";
    [JsonPropertyName("last")] public string Last { get; init; } = "";
    [JsonPropertyName("gender")] public string Gender { get; init; } = "";
    [JsonPropertyName("street")] public string Street { get; init; } = "";
    [JsonPropertyName("city")] public string City { get; init; } = "";
    [JsonPropertyName("state")] public string State { get; init; } = "";
    [JsonPropertyName("zip")] public int Zip { get; init; }
    [JsonPropertyName("lat")] public double Lat { get; init; }
    [JsonPropertyName("long")] public double Long { get; init; }
    [JsonPropertyName("city_pop")] public int CityPop { get; init; }
    [JsonPropertyName("job")] public string Job { get; init; } = "";
    [JsonPropertyName("dob")] public string Dob { get; init; } = "";

    // (:Merchant)
    [JsonPropertyName("merchant")] public required string Merchant { get; init; }
    [JsonPropertyName("merch_lat")] public double MerchLat { get; init; }
    [JsonPropertyName("merch_long")] public double MerchLong { get; init; }
    [JsonPropertyName("category")] public required string Category { get; init; }

    // -[:TRANSACTION]->
    [JsonPropertyName("trans_num")] public required string TransNum { get; init; }

    /// <summary>The holder's local time as in the data, ISO-8601 without offset (sorts as text).</summary>
    [JsonPropertyName("time")] public required string Time { get; init; }

    /// <summary><see cref="Time"/> as seconds since 1970 (the local time read as UTC): windows and travel speeds.</summary>
    [JsonPropertyName("ts")] public required long Ts { get; init; }

    [JsonPropertyName("amt")] public double Amt { get; init; }
    [JsonPropertyName("is_fraud")] public int? IsFraud { get; init; }
    [JsonPropertyName("score")] public double Score { get; init; }
    [JsonPropertyName("model_version")] public string ModelVersion { get; init; } = "";
    [JsonPropertyName("is_alert")] public bool IsAlert { get; init; }

    /// <summary>The sortable "s" format, <c>yyyy-MM-ddTHH:mm:ss</c> (a fast path in .NET, unlike the same custom pattern).</summary>
    public const string TimeFormat = "s";

    public static long ToTs(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeSeconds();

    public static DateTime FromTs(long ts) => DateTimeOffset.FromUnixTimeSeconds(ts).UtcDateTime;

    private static string FormatDob(DateOnly dob, StringPool? pool)
    {
        Span<char> text = stackalloc char[16];
        return pool is not null && dob.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture)
            ? pool.GetOrAdd(text[..written])
            : dob.ToString("O", CultureInfo.InvariantCulture);
    }

    public static GraphEdge From(ScoredTransaction scored) => From(scored.Transaction, scored.Score, scored.ModelVersion, scored.IsAlert);

    /// <param name="repeatedStrings">When given, the holder's date of birth is formatted into it once per distinct date.</param>
    public static GraphEdge From(Transaction t, double score, string modelVersion, bool isAlert, StringPool? repeatedStrings = null)
    {
        // A data set without holder fields or a category (a mapped file) leaves them absent (null): stored as "".
        return new GraphEdge
        {
            CcNum = t.CcNum,
            First = t.First ?? "",
            Last = t.Last ?? "",
            Gender = t.Gender ?? "",
            Street = t.Street ?? "",
            City = t.City ?? "",
            State = t.State ?? "",
            Zip = t.Zip,
            Lat = t.Lat,
            Long = t.Long,
            CityPop = t.CityPop,
            Job = t.Job ?? "",
            Dob = FormatDob(t.Dob, repeatedStrings), // yyyy-MM-dd
            Merchant = t.Merchant,
            MerchLat = t.MerchLat,
            MerchLong = t.MerchLong,
            Category = t.Category ?? "",
            TransNum = t.TransNum,
            Time = t.TransDateTransTime.ToString(TimeFormat, CultureInfo.InvariantCulture),
            Ts = ToTs(t.TransDateTransTime),
            Amt = t.Amt,
            IsFraud = t.IsFraud,
            Score = score,
            ModelVersion = modelVersion,
            IsAlert = isAlert,
        };
    }
}
