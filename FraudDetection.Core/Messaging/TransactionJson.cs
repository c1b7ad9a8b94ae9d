using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CommunityToolkit.HighPerformance.Buffers;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// The hot-path JSON for <c>transactions</c> in and <c>transactions.scored</c> out, written by hand over
/// Utf8JsonReader/Utf8JsonWriter because the source-generated serializer cost most of the scoring CPU.
/// Same results as <see cref="FraudJsonContext"/>: a value the fast reader is not sure about goes to the serializer,
/// and the writer emits byte for byte what the serializer emits (tests compare both).
/// </summary>
public static class TransactionJson
{
    private static readonly JsonEncodedText TransactionName = JsonEncodedText.Encode("transaction");
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText ThresholdName = JsonEncodedText.Encode("threshold");
    private static readonly JsonEncodedText IsAlertName = JsonEncodedText.Encode("is_alert");
    private static readonly JsonEncodedText ModelVersionName = JsonEncodedText.Encode("model_version");
    private static readonly JsonEncodedText ReasonsName = JsonEncodedText.Encode("reasons");
    private static readonly JsonEncodedText FeatureName = JsonEncodedText.Encode("feature");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText ContributionName = JsonEncodedText.Encode("contribution");
    private static readonly JsonEncodedText TimingsName = JsonEncodedText.Encode("timings");
    private static readonly JsonEncodedText EventToScoredName = JsonEncodedText.Encode("event_to_scored_ms");
    private static readonly JsonEncodedText InferenceName = JsonEncodedText.Encode("inference_ms");
    private static readonly JsonEncodedText BatchSizeName = JsonEncodedText.Encode("batch_size");
    private static readonly JsonEncodedText ScoredAtName = JsonEncodedText.Encode("scored_at");

    private static readonly JsonEncodedText TransDateName = JsonEncodedText.Encode("trans_date_trans_time");
    private static readonly JsonEncodedText CcNumName = JsonEncodedText.Encode("cc_num");
    private static readonly JsonEncodedText MerchantName = JsonEncodedText.Encode("merchant");
    private static readonly JsonEncodedText CategoryName = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText AmtName = JsonEncodedText.Encode("amt");
    private static readonly JsonEncodedText FirstName = JsonEncodedText.Encode("first");
    private static readonly JsonEncodedText LastName = JsonEncodedText.Encode("last");
    private static readonly JsonEncodedText GenderName = JsonEncodedText.Encode("gender");
    private static readonly JsonEncodedText StreetName = JsonEncodedText.Encode("street");
    private static readonly JsonEncodedText CityName = JsonEncodedText.Encode("city");
    private static readonly JsonEncodedText StateName = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText ZipName = JsonEncodedText.Encode("zip");
    private static readonly JsonEncodedText LatName = JsonEncodedText.Encode("lat");
    private static readonly JsonEncodedText LongName = JsonEncodedText.Encode("long");
    private static readonly JsonEncodedText CityPopName = JsonEncodedText.Encode("city_pop");
    private static readonly JsonEncodedText JobName = JsonEncodedText.Encode("job");
    private static readonly JsonEncodedText DobName = JsonEncodedText.Encode("dob");
    private static readonly JsonEncodedText TransNumName = JsonEncodedText.Encode("trans_num");
    private static readonly JsonEncodedText UnixTimeName = JsonEncodedText.Encode("unix_time");
    private static readonly JsonEncodedText MerchLatName = JsonEncodedText.Encode("merch_lat");
    private static readonly JsonEncodedText MerchLongName = JsonEncodedText.Encode("merch_long");
    private static readonly JsonEncodedText IsFraudName = JsonEncodedText.Encode("is_fraud");

    /// <summary>
    /// The transaction when <paramref name="value"/> is a plain, well-formed record (Kaggle names, numbers as numbers,
    /// dates as <c>yyyy-MM-dd HH:mm:ss</c>/<c>yyyy-MM-dd</c>, no repeated names); null for anything else, which the caller
    /// then hands to the serializer for the exact result or error. Never throws.
    /// </summary>
    /// <param name="value">The transaction's UTF-8 JSON.</param>
    /// <param name="repeatedStrings">When given, the strings that repeat across transactions (holder, merchant,
    /// category) come from this pool instead of a new copy each: a reader that holds many transactions keeps one.</param>
    public static Transaction? TryReadFast(ReadOnlySpan<byte> value, StringPool? repeatedStrings = null)
    {
        try
        {
            return ReadFast(value, repeatedStrings);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static Transaction? ReadFast(ReadOnlySpan<byte> value, StringPool? pool)
    {
        var reader = new Utf8JsonReader(value);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        DateTime transDate = default;
        DateOnly dob = default;
        long ccNum = 0, unixTime = 0;
        double amt = 0, lat = 0, lng = 0, merchLat = 0, merchLong = 0;
        int zip = 0, cityPop = 0;
        int? isFraud = null;
        string? merchant = null, category = null, transNum = null;
        // Missing optional members come out null, as from the serializer (it sets every init member, defaults included).
        string? first = null, last = null, gender = null, street = null, city = null, state = null, job = null;
        var seen = 0;

        while (true)
        {
            if (!reader.Read())
            {
                return null;
            }
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return null;
            }
            var field = Field(ref reader);
            if (!reader.Read())
            {
                return null;
            }
            if (field < 0)
            {
                reader.Skip(); // the serializer ignores unknown members too
                continue;
            }
            if ((seen & (1 << field)) != 0)
            {
                return null;
            }
            seen |= 1 << field;
            var ok = field switch
            {
                0 => TryDateTime(ref reader, out transDate),
                1 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out ccNum),
                2 => TryString(ref reader, pool, out merchant),
                3 => TryString(ref reader, pool, out category),
                4 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out amt),
                5 => TryString(ref reader, pool, out first),
                6 => TryString(ref reader, pool, out last),
                7 => TryString(ref reader, pool, out gender),
                8 => TryString(ref reader, pool, out street),
                9 => TryString(ref reader, pool, out city),
                10 => TryString(ref reader, pool, out state),
                11 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out zip),
                12 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out lat),
                13 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out lng),
                14 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out cityPop),
                15 => TryString(ref reader, pool, out job),
                16 => TryDate(ref reader, out dob),
                17 => TryString(ref reader, null, out transNum), // unique: pooling it would only evict the rest
                18 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out unixTime),
                19 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out merchLat),
                20 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out merchLong),
                _ => TryNullableInt(ref reader, out isFraud),
            };
            if (!ok)
            {
                return null;
            }
        }
        // Required members (trans_date_trans_time, cc_num, merchant, amt, trans_num) present, nothing after the object.
        const int required = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 4 | 1 << 17;
        if ((seen & required) != required || reader.Read())
        {
            return null;
        }
        return new Transaction
        {
            TransDateTransTime = transDate,
            CcNum = ccNum,
            Merchant = merchant!,
            Category = category!, // null when absent, as from the serializer
            Amt = amt,
            First = first!,
            Last = last!,
            Gender = gender!,
            Street = street!,
            City = city!,
            State = state!,
            Zip = zip,
            Lat = lat,
            Long = lng,
            CityPop = cityPop,
            Job = job!,
            Dob = dob,
            TransNum = transNum!,
            UnixTime = unixTime,
            MerchLat = merchLat,
            MerchLong = merchLong,
            IsFraud = isFraud,
        };
    }

    // By length first: one or two comparisons per name instead of up to 22 (it showed in the graph sink's profile).
    private static int Field(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return FieldUnescaping(ref reader);
        }
        var name = reader.ValueSpan;
        return name.Length switch
        {
            3 => name.SequenceEqual("amt"u8) ? 4 : name.SequenceEqual("zip"u8) ? 11 : name.SequenceEqual("lat"u8) ? 12
                : name.SequenceEqual("job"u8) ? 15 : name.SequenceEqual("dob"u8) ? 16 : -1,
            4 => name.SequenceEqual("last"u8) ? 6 : name.SequenceEqual("city"u8) ? 9 : name.SequenceEqual("long"u8) ? 13 : -1,
            5 => name.SequenceEqual("first"u8) ? 5 : name.SequenceEqual("state"u8) ? 10 : -1,
            6 => name.SequenceEqual("cc_num"u8) ? 1 : name.SequenceEqual("gender"u8) ? 7 : name.SequenceEqual("street"u8) ? 8 : -1,
            8 => name.SequenceEqual("merchant"u8) ? 2 : name.SequenceEqual("category"u8) ? 3 : name.SequenceEqual("city_pop"u8) ? 14
                : name.SequenceEqual("is_fraud"u8) ? 21 : -1,
            9 => name.SequenceEqual("trans_num"u8) ? 17 : name.SequenceEqual("unix_time"u8) ? 18 : name.SequenceEqual("merch_lat"u8) ? 19 : -1,
            10 => name.SequenceEqual("merch_long"u8) ? 20 : -1,
            21 => name.SequenceEqual("trans_date_trans_time"u8) ? 0 : -1,
            _ => -1,
        };
    }

    private static int FieldUnescaping(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("trans_date_trans_time"u8) ? 0
        : reader.ValueTextEquals("cc_num"u8) ? 1
        : reader.ValueTextEquals("merchant"u8) ? 2
        : reader.ValueTextEquals("category"u8) ? 3
        : reader.ValueTextEquals("amt"u8) ? 4
        : reader.ValueTextEquals("first"u8) ? 5
        : reader.ValueTextEquals("last"u8) ? 6
        : reader.ValueTextEquals("gender"u8) ? 7
        : reader.ValueTextEquals("street"u8) ? 8
        : reader.ValueTextEquals("city"u8) ? 9
        : reader.ValueTextEquals("state"u8) ? 10
        : reader.ValueTextEquals("zip"u8) ? 11
        : reader.ValueTextEquals("lat"u8) ? 12
        : reader.ValueTextEquals("long"u8) ? 13
        : reader.ValueTextEquals("city_pop"u8) ? 14
        : reader.ValueTextEquals("job"u8) ? 15
        : reader.ValueTextEquals("dob"u8) ? 16
        : reader.ValueTextEquals("trans_num"u8) ? 17
        : reader.ValueTextEquals("unix_time"u8) ? 18
        : reader.ValueTextEquals("merch_lat"u8) ? 19
        : reader.ValueTextEquals("merch_long"u8) ? 20
        : reader.ValueTextEquals("is_fraud"u8) ? 21
        : -1;

    private static bool TryString(ref Utf8JsonReader reader, StringPool? pool, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }
        // Invalid UTF-8 goes to GetString, which refuses it as the serializer does (a decoder would substitute).
        value = pool is not null && !reader.ValueIsEscaped && !reader.HasValueSequence && Utf8.IsValid(reader.ValueSpan)
            ? pool.GetOrAdd(reader.ValueSpan, Encoding.UTF8)
            : reader.GetString();
        return true;
    }

    private static bool TryNullableInt(ref Utf8JsonReader reader, out int? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            value = number;
            return true;
        }
        return false;
    }

    // Exactly "yyyy-MM-dd HH:mm:ss", unescaped; anything else goes to the converter (which also accepts other forms).
    private static bool TryDateTime(ref Utf8JsonReader reader, out DateTime value)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length != 19)
        {
            return false;
        }
        var s = reader.ValueSpan;
        if (s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':'
            || !Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        return true;
    }

    private static bool TryDate(ref Utf8JsonReader reader, out DateOnly value)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length != 10)
        {
            return false;
        }
        var s = reader.ValueSpan;
        if (s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        value = new DateOnly(year, month, day);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int length, out int value)
    {
        value = 0;
        for (var i = start; i < start + length; i++)
        {
            var digit = s[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }
            value = value * 10 + digit;
        }
        return true;
    }

    /// <summary>Writes <paramref name="scored"/> exactly as <c>FraudJsonContext.Default.ScoredTransaction</c> would.</summary>
    public static void WriteScored(Utf8JsonWriter writer, ScoredTransaction scored)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(TransactionName);
        WriteTransaction(writer, scored.Transaction);
        writer.WriteNumber(ScoreName, scored.Score);
        writer.WriteNumber(ThresholdName, scored.Threshold);
        writer.WriteBoolean(IsAlertName, scored.IsAlert);
        writer.WriteString(ModelVersionName, scored.ModelVersion);
        writer.WriteStartArray(ReasonsName);
        foreach (var reason in scored.Reasons)
        {
            writer.WriteStartObject();
            writer.WriteString(FeatureName, reason.Feature);
            writer.WriteNumber(ValueName, reason.Value);
            writer.WriteNumber(ContributionName, reason.Contribution);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartObject(TimingsName);
        writer.WriteNumber(EventToScoredName, scored.Timings.EventToScoredMs);
        writer.WriteNumber(InferenceName, scored.Timings.InferenceMs);
        writer.WriteNumber(BatchSizeName, scored.Timings.BatchSize);
        writer.WriteEndObject();
        writer.WriteString(ScoredAtName, scored.ScoredAt);
        writer.WriteEndObject();
    }

    private static void WriteTransaction(Utf8JsonWriter writer, Transaction t)
    {
        Span<byte> date = stackalloc byte[19];
        writer.WriteStartObject();
        writer.WriteString(TransDateName, FormatDateTime(t.TransDateTransTime, date));
        writer.WriteNumber(CcNumName, t.CcNum);
        writer.WriteString(MerchantName, t.Merchant);
        writer.WriteString(CategoryName, t.Category);
        writer.WriteNumber(AmtName, t.Amt);
        writer.WriteString(FirstName, t.First);
        writer.WriteString(LastName, t.Last);
        writer.WriteString(GenderName, t.Gender);
        writer.WriteString(StreetName, t.Street);
        writer.WriteString(CityName, t.City);
        writer.WriteString(StateName, t.State);
        writer.WriteNumber(ZipName, t.Zip);
        writer.WriteNumber(LatName, t.Lat);
        writer.WriteNumber(LongName, t.Long);
        writer.WriteNumber(CityPopName, t.CityPop);
        writer.WriteString(JobName, t.Job);
        writer.WriteString(DobName, FormatDate(t.Dob, date));
        writer.WriteString(TransNumName, t.TransNum);
        writer.WriteNumber(UnixTimeName, t.UnixTime);
        writer.WriteNumber(MerchLatName, t.MerchLat);
        writer.WriteNumber(MerchLongName, t.MerchLong);
        if (t.IsFraud is { } isFraud)
        {
            writer.WriteNumber(IsFraudName, isFraud);
        }
        writer.WriteEndObject();
    }

    // The converters' formats (KaggleDateTimeJsonConverter / KaggleDateJsonConverter), ASCII digits only.
    private static ReadOnlySpan<byte> FormatDateTime(DateTime value, Span<byte> buffer)
    {
        Put(buffer, 0, value.Year, 4);
        buffer[4] = (byte)'-';
        Put(buffer, 5, value.Month, 2);
        buffer[7] = (byte)'-';
        Put(buffer, 8, value.Day, 2);
        buffer[10] = (byte)' ';
        Put(buffer, 11, value.Hour, 2);
        buffer[13] = (byte)':';
        Put(buffer, 14, value.Minute, 2);
        buffer[16] = (byte)':';
        Put(buffer, 17, value.Second, 2);
        return buffer[..19];
    }

    private static ReadOnlySpan<byte> FormatDate(DateOnly value, Span<byte> buffer)
    {
        Put(buffer, 0, value.Year, 4);
        buffer[4] = (byte)'-';
        Put(buffer, 5, value.Month, 2);
        buffer[7] = (byte)'-';
        Put(buffer, 8, value.Day, 2);
        return buffer[..10];
    }

    private static void Put(Span<byte> buffer, int start, int value, int length)
    {
        for (var i = start + length - 1; i >= start; i--)
        {
            buffer[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}

/// <summary>A reusable writer for one thread: serialize, copy out the exact bytes, reset.</summary>
public sealed class ScoredJsonWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new(2048);
    private readonly Utf8JsonWriter writer;

    public ScoredJsonWriter() => writer = new Utf8JsonWriter(buffer);

    public byte[] Serialize(ScoredTransaction scored)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        TransactionJson.WriteScored(writer, scored);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
