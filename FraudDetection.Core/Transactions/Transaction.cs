using System.Text.Json.Serialization;

namespace FraudDetection.Core.Transactions;

/// <summary>
/// One card transaction in the Kaggle "Credit Card Transactions Fraud Detection" schema (Sparkov generator).
/// JSON names are the Kaggle column names; times are the card holder's local wall-clock time as in the files.
/// </summary>
public sealed record Transaction
{
    [JsonPropertyName("trans_date_trans_time"), JsonConverter(typeof(KaggleDateTimeJsonConverter))]
    public required DateTime TransDateTransTime { get; init; }

    [JsonPropertyName("cc_num")] public required long CcNum { get; init; }
    [JsonPropertyName("merchant")] public required string Merchant { get; init; }
    /// <summary>The merchant category; absent (null) in a data set without one (a mapped file).</summary>
    [JsonPropertyName("category")] public string Category { get; init; } = "";
    [JsonPropertyName("amt")] public required double Amt { get; init; }
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

    [JsonPropertyName("dob"), JsonConverter(typeof(KaggleDateJsonConverter))]
    public DateOnly Dob { get; init; }

    [JsonPropertyName("trans_num")] public required string TransNum { get; init; }
    [JsonPropertyName("unix_time")] public long UnixTime { get; init; }
    [JsonPropertyName("merch_lat")] public double MerchLat { get; init; }
    [JsonPropertyName("merch_long")] public double MerchLong { get; init; }

    /// <summary>The label when known (1 fraud, 0 not); absent on live traffic.</summary>
    [JsonPropertyName("is_fraud"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IsFraud { get; init; }

    /// <summary>The card number masked to its last 4 digits, for logs, alerts and pages.</summary>
    [JsonIgnore] public string MaskedCard => CardMask.Mask(CcNum);
}
