using System.Globalization;

namespace FraudDetection.Core.Transactions.Mapping;

/// <summary>Reads a mapped file's time column in its <see cref="ColumnMapping.TimeFormat"/>, as a naive wall-clock time.</summary>
public static class MappedTime
{
    public static bool TryParse(ReadOnlySpan<char> text, string format, out DateTime value)
    {
        text = text.Trim();
        value = default;
        switch (format)
        {
            case ColumnMapping.UnixSeconds or ColumnMapping.UnixMilliseconds:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return false;
                }
                // Whole seconds, as the Kaggle layout has them.
                var seconds = Math.Floor(format == ColumnMapping.UnixMilliseconds ? number / 1000 : number);
                if (seconds is < -62_135_596_800 or > 253_402_300_799)
                {
                    return false;
                }
                value = DateTime.SpecifyKind(DateTime.UnixEpoch.AddSeconds(seconds), DateTimeKind.Unspecified);
                return true;
            default:
                if (!DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
                {
                    return false;
                }
                value = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
                return true;
        }
    }
}
