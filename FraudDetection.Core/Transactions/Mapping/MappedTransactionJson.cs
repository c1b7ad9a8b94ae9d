using System.Globalization;
using System.Text.Json;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Core.Transactions.Mapping;

/// <summary>
/// A transaction as the <c>transactions</c> topic's JSON (the Kaggle contract): every field for the Kaggle layout (as
/// <see cref="FraudJsonContext"/> writes it), and for a mapped data set only the fields its mapping has — absent fields
/// stay absent, so a consumer reads them exactly as the offline reader of the mapped file does.
/// </summary>
public static class MappedTransactionJson
{
    public static void Write(Utf8JsonWriter writer, Transaction t, ColumnMapping? mapping)
    {
        if (mapping is null || mapping.IsKaggle)
        {
            JsonSerializer.Serialize(writer, t, FraudJsonContext.Default.Transaction);
            return;
        }
        Span<char> text = stackalloc char[19];
        writer.WriteStartObject();
        t.TransDateTransTime.TryFormat(text, out var written, KaggleDateTimeJsonConverter.Format, CultureInfo.InvariantCulture);
        writer.WriteString("trans_date_trans_time", text[..written]);
        writer.WriteNumber("cc_num", t.CcNum);
        writer.WriteString("merchant", t.Merchant);
        String("category", t.Category);
        writer.WriteNumber("amt", t.Amt);
        String("first", t.First);
        String("last", t.Last);
        String("gender", t.Gender);
        String("street", t.Street);
        String("city", t.City);
        String("state", t.State);
        if (mapping.Has("zip")) writer.WriteNumber("zip", t.Zip);
        if (mapping.Has("lat")) writer.WriteNumber("lat", t.Lat);
        if (mapping.Has("long")) writer.WriteNumber("long", t.Long);
        if (mapping.Has("city_pop")) writer.WriteNumber("city_pop", t.CityPop);
        String("job", t.Job);
        if (mapping.Has("dob") && t.Dob != default)
        {
            t.Dob.TryFormat(text, out written, KaggleDateJsonConverter.Format, CultureInfo.InvariantCulture);
            writer.WriteString("dob", text[..written]);
        }
        writer.WriteString("trans_num", t.TransNum);
        if (mapping.Has("unix_time")) writer.WriteNumber("unix_time", t.UnixTime);
        if (mapping.Has("merch_lat")) writer.WriteNumber("merch_lat", t.MerchLat);
        if (mapping.Has("merch_long")) writer.WriteNumber("merch_long", t.MerchLong);
        if (t.IsFraud is { } isFraud) writer.WriteNumber("is_fraud", isFraud);
        writer.WriteEndObject();

        // A mapped file's absent text fields are null (the reader's "absent"); present ones are written even when empty.
        void String(string name, string? value)
        {
            if (value is not null && mapping.Has(name)) writer.WriteString(name, value);
        }
    }
}
