using System.Globalization;
using System.Runtime.InteropServices;
using FraudDetection.Core.Transactions.Mapping;

namespace FraudDetection.Core.Transactions;

/// <summary>
/// Pull reader behind <see cref="TransactionCsv"/>: one physical line is one row, split by RFC 4180 rules.
/// Hand-written (no package here does it): Kaggle fields never hold line breaks, so bounding a row by its line
/// confines a stray quote to that row, where a general CSV parser would swallow the rows after it.
/// Span-based; strings of low-cardinality columns (merchant, names, city, job...) are shared, not re-allocated.
/// </summary>
public sealed class TransactionCsvReader
{
    private const int MaxPooledPerColumn = 65_536;

    private readonly TextReader _reader;
    private readonly Action<CsvRowError>? _onError;
    private char[] _buffer = new char[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;
    private long _lineNumber;

    private readonly int _columnCount;
    private readonly ColumnMap _map;
    private Field[] _fields;
    private char[] _scratch = new char[256];
    private readonly StringPool[] _pools;
    private readonly ColumnMapping? _mapping; // null: the Kaggle layout as is

    public TransactionCsvReader(TextReader reader, Action<CsvRowError>? onError = null)
        : this(reader, null, onError)
    {
    }

    /// <summary>Reads a file through <paramref name="mapping"/> (null or <see cref="ColumnMapping.Kaggle"/>: the Kaggle layout).
    /// Fields the mapping lacks stay absent: null strings, zero numbers, no date of birth, as a JSON record without them reads.</summary>
    public TransactionCsvReader(TextReader reader, ColumnMapping? mapping, Action<CsvRowError>? onError = null)
    {
        _reader = reader;
        _onError = onError;
        _mapping = mapping is null || mapping.IsKaggle ? null : mapping;
        _fields = new Field[32];
        if (!TryReadLine(out var header, out _))
        {
            throw new InvalidDataException("The CSV input is empty: no header line.");
        }
        if (header.Length > 0 && header[0] == '\uFEFF')
        {
            header = header[1..];
        }
        if (!TrySplit(header, out _columnCount, out var error))
        {
            throw new InvalidDataException($"The CSV header does not parse: {error}");
        }
        var names = new string[_columnCount];
        for (var i = 0; i < _columnCount; i++)
        {
            names[i] = FieldSpan(header, _fields[i]).Trim().ToString();
        }
        Columns = names;
        _map = _mapping is null ? ColumnMap.From(names) : ColumnMap.From(names, _mapping);
        _pools = new StringPool[_columnCount];
        for (var i = 0; i < _pools.Length; i++)
        {
            _pools[i] = new StringPool();
        }
    }

    /// <summary>The header's column names as found (the index column's name is empty).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows returned so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Rows skipped and reported so far.</summary>
    public long RowsSkipped { get; private set; }

    /// <summary>Reads the next good row, reporting and skipping bad ones; false at the end of the input.</summary>
    public bool TryRead(out Transaction transaction)
    {
        while (TryReadLine(out var line, out var lineNumber))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }
            if (TryParseRow(line, lineNumber, out transaction!, out var reason))
            {
                RowsRead++;
                return true;
            }
            RowsSkipped++;
            _onError?.Invoke(new CsvRowError(lineNumber, reason));
        }
        transaction = null!;
        return false;
    }

    private bool TryParseRow(ReadOnlySpan<char> line, long lineNumber, out Transaction? transaction, out string reason)
    {
        transaction = null;
        if (!TrySplit(line, out var count, out var splitError))
        {
            reason = splitError;
            return false;
        }
        if (count != _columnCount)
        {
            reason = $"expected {_columnCount} columns, found {count}";
            return false;
        }
        var m = _map;

        var ccText = Col(line, m.CcNum);
        if (ccText.IsWhiteSpace())
        {
            reason = _mapping is null ? "missing cc_num" : $"missing card ({_mapping.Card})";
            return false;
        }
        long ccNum;
        if (_mapping is not null)
        {
            CardIds.TryParse(ccText, out ccNum);
        }
        else if (!long.TryParse(ccText, NumberStyles.Integer, CultureInfo.InvariantCulture, out ccNum))
        {
            reason = $"cc_num '{Clip(ccText)}' is not a whole number";
            return false;
        }
        // A mapped file without an id column: the row's line number is its id (the same in every read of the file).
        var transNumText = _mapping is not null && m.TransNum < 0 ? lineNumber.ToString(CultureInfo.InvariantCulture) : Col(line, m.TransNum).Trim();
        if (transNumText.IsEmpty)
        {
            reason = _mapping is null ? "missing trans_num" : $"missing id ({_mapping.Id})";
            return false;
        }
        var timeText = Col(line, m.TransDateTransTime);
        if (!(_mapping?.TimeFormat is { } timeFormat ? MappedTime.TryParse(timeText, timeFormat, out var time) : TryParseDateTime(timeText, out time)))
        {
            reason = $"{_mapping?.Time ?? "trans_date_trans_time"} '{Clip(timeText)}' is not a date-time ({_mapping?.TimeFormat ?? "yyyy-MM-dd HH:mm:ss"})";
            return false;
        }
        var amtText = Col(line, m.Amt);
        if (!double.TryParse(amtText, NumberStyles.Float, CultureInfo.InvariantCulture, out var amt) || !double.IsFinite(amt))
        {
            reason = $"{_mapping?.Amount ?? "amt"} '{Clip(amtText)}' is not a number";
            return false;
        }
        if (!TryOptionalInt(line, m.Zip, "zip", out var zip, out reason)
            || !TryOptionalDouble(line, m.Lat, "lat", out var lat, out reason)
            || !TryOptionalDouble(line, m.Long, "long", out var lon, out reason)
            || !TryOptionalInt(line, m.CityPop, "city_pop", out var cityPop, out reason)
            || !TryOptionalLong(line, m.UnixTime, "unix_time", out var unixTime, out reason)
            || !TryOptionalDouble(line, m.MerchLat, "merch_lat", out var merchLat, out reason)
            || !TryOptionalDouble(line, m.MerchLong, "merch_long", out var merchLong, out reason))
        {
            return false;
        }
        var dob = default(DateOnly);
        var dobText = Col(line, m.Dob).Trim();
        if (!dobText.IsEmpty && !TryParseDate(dobText, out dob))
        {
            reason = $"dob '{Clip(dobText)}' is not a date (yyyy-MM-dd)";
            return false;
        }
        int? isFraud = null;
        var fraudText = Col(line, m.IsFraud).Trim();
        if (!fraudText.IsEmpty)
        {
            if (fraudText is "0" or "0.0" or "False" or "false")
            {
                isFraud = 0;
            }
            else if (fraudText is "1" or "1.0" or "True" or "true")
            {
                isFraud = 1;
            }
            else
            {
                reason = $"{_mapping?.Label ?? "is_fraud"} '{Clip(fraudText)}' is not 0 or 1";
                return false;
            }
        }

        transaction = new Transaction
        {
            TransDateTransTime = time,
            CcNum = ccNum,
            Merchant = Pooled(line, m.Merchant),
            Category = Pooled(line, m.Category),
            Amt = amt,
            First = Pooled(line, m.First),
            Last = Pooled(line, m.Last),
            Gender = Pooled(line, m.Gender),
            Street = Pooled(line, m.Street),
            City = Pooled(line, m.City),
            State = Pooled(line, m.State),
            Zip = zip,
            Lat = lat,
            Long = lon,
            CityPop = cityPop,
            Job = Pooled(line, m.Job),
            Dob = dob,
            TransNum = transNumText.ToString(),
            UnixTime = unixTime,
            MerchLat = merchLat,
            MerchLong = merchLong,
            IsFraud = isFraud,
        };
        reason = "";
        return true;
    }

    private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "…");

    private bool TryOptionalInt(ReadOnlySpan<char> line, int column, string name, out int value, out string reason)
    {
        reason = "";
        value = 0;
        var text = Col(line, column).Trim();
        if (text.IsEmpty || int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        // pandas may write an integer column holding blanks as floats ("28654.0").
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var asDouble)
            && asDouble == Math.Floor(asDouble) && asDouble is >= int.MinValue and <= int.MaxValue)
        {
            value = (int)asDouble;
            return true;
        }
        reason = $"{name} '{Clip(text)}' is not a whole number";
        return false;
    }

    private bool TryOptionalLong(ReadOnlySpan<char> line, int column, string name, out long value, out string reason)
    {
        reason = "";
        value = 0;
        var text = Col(line, column).Trim();
        if (text.IsEmpty || long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        reason = $"{name} '{Clip(text)}' is not a whole number";
        return false;
    }

    private bool TryOptionalDouble(ReadOnlySpan<char> line, int column, string name, out double value, out string reason)
    {
        reason = "";
        value = 0;
        var text = Col(line, column).Trim();
        if (text.IsEmpty || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)))
        {
            return true;
        }
        reason = $"{name} '{Clip(text)}' is not a number";
        return false;
    }

    // Fixed "yyyy-MM-dd HH:mm:ss" by digit positions; anything else through DateTime's own parser.
    private static bool TryParseDateTime(ReadOnlySpan<char> text, out DateTime value)
    {
        text = text.Trim();
        if (text.Length == 19 && text[4] == '-' && text[7] == '-' && (text[10] == ' ' || text[10] == 'T') && text[13] == ':' && text[16] == ':'
            && TryDigits(text, 0, 4, out var year) && TryDigits(text, 5, 2, out var month) && TryDigits(text, 8, 2, out var day)
            && TryDigits(text, 11, 2, out var hour) && TryDigits(text, 14, 2, out var minute) && TryDigits(text, 17, 2, out var second)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hour < 24 && minute < 60 && second < 60)
        {
            value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
            return true;
        }
        value = default;
        return !text.IsEmpty && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly value)
    {
        if (text.Length == 10 && text[4] == '-' && text[7] == '-'
            && TryDigits(text, 0, 4, out var year) && TryDigits(text, 5, 2, out var month) && TryDigits(text, 8, 2, out var day)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            value = new DateOnly(year, month, day);
            return true;
        }
        return DateOnly.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static bool TryDigits(ReadOnlySpan<char> text, int start, int length, out int value)
    {
        value = 0;
        for (var i = start; i < start + length; i++)
        {
            var d = text[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }
            value = value * 10 + d;
        }
        return true;
    }

    private ReadOnlySpan<char> Col(ReadOnlySpan<char> line, int column) =>
        column < 0 ? ReadOnlySpan<char>.Empty : FieldSpan(line, _fields[column]);

    // A column the mapping lacks is absent (null), as in a JSON record without it; the Kaggle layout reads "".
    private string Pooled(ReadOnlySpan<char> line, int column) =>
        column < 0 ? (_mapping is null ? "" : null!) : _pools[column].Get(FieldSpan(line, _fields[column]));

    private ReadOnlySpan<char> FieldSpan(ReadOnlySpan<char> line, Field field) =>
        field.InScratch ? _scratch.AsSpan(field.Start, field.Length) : line.Slice(field.Start, field.Length);

    /// <summary>Splits one line into fields (RFC 4180 quoting; doubled quotes unescaped into the scratch buffer).</summary>
    private bool TrySplit(ReadOnlySpan<char> line, out int count, out string error)
    {
        count = 0;
        error = "";
        var scratchUsed = 0;
        var pos = 0;
        while (true)
        {
            if (count == _fields.Length)
            {
                Array.Resize(ref _fields, _fields.Length * 2);
            }
            if (pos < line.Length && line[pos] == '"')
            {
                // Quoted field: runs to the closing quote; "" inside is one quote (copied to scratch from there on).
                var i = pos + 1;
                var contentStart = i;
                var scratchStart = -1;
                while (true)
                {
                    var next = line[i..].IndexOf('"');
                    if (next < 0)
                    {
                        error = $"unterminated quoted field in column {count + 1}";
                        return false;
                    }
                    var quoteAt = i + next;
                    if (quoteAt + 1 < line.Length && line[quoteAt + 1] == '"')
                    {
                        if (scratchStart < 0)
                        {
                            scratchStart = scratchUsed;
                        }
                        Append(line[i..(quoteAt + 1)], ref scratchUsed);
                        i = quoteAt + 2;
                        continue;
                    }
                    if (scratchStart >= 0)
                    {
                        Append(line[i..quoteAt], ref scratchUsed);
                        _fields[count++] = new Field(scratchStart, scratchUsed - scratchStart, true);
                    }
                    else
                    {
                        _fields[count++] = new Field(contentStart, quoteAt - contentStart, false);
                    }
                    pos = quoteAt + 1;
                    break;
                }
                if (pos == line.Length)
                {
                    return true;
                }
                if (line[pos] != ',')
                {
                    error = $"unexpected character after the closing quote in column {count}";
                    return false;
                }
                pos++;
                continue;
            }
            var comma = line[pos..].IndexOf(',');
            if (comma < 0)
            {
                _fields[count++] = new Field(pos, line.Length - pos, false);
                return true;
            }
            _fields[count++] = new Field(pos, comma, false);
            pos += comma + 1;
        }
    }

    private void Append(ReadOnlySpan<char> text, ref int used)
    {
        if (used + text.Length > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, used + text.Length));
        }
        text.CopyTo(_scratch.AsSpan(used));
        used += text.Length;
    }

    /// <summary>The next physical line without its CR/LF; false at the end of the input.</summary>
    private bool TryReadLine(out ReadOnlySpan<char> line, out long lineNumber)
    {
        var searchFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf('\n');
            if (newline >= 0)
            {
                var lineEnd = searchFrom + newline;
                var length = lineEnd - _start;
                if (length > 0 && _buffer[lineEnd - 1] == '\r')
                {
                    length--;
                }
                line = _buffer.AsSpan(_start, length);
                _start = lineEnd + 1;
                lineNumber = ++_lineNumber;
                return true;
            }
            if (_eof)
            {
                if (_start < _end)
                {
                    var length = _end - _start;
                    if (_buffer[_end - 1] == '\r')
                    {
                        length--;
                    }
                    line = _buffer.AsSpan(_start, length);
                    _start = _end;
                    lineNumber = ++_lineNumber;
                    return true;
                }
                line = default;
                lineNumber = _lineNumber;
                return false;
            }
            // Keep the partial line, make room (growing for a very long line) and read more.
            var pending = _end - _start;
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, pending);
                _start = 0;
                _end = pending;
            }
            else if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            searchFrom = _end;
            var read = _reader.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }
    }

    private readonly record struct Field(int Start, int Length, bool InScratch);

    /// <summary>Column positions by header name; -1 where the file lacks the column.</summary>
    private sealed record ColumnMap(
        int TransDateTransTime, int CcNum, int Merchant, int Category, int Amt, int First, int Last, int Gender,
        int Street, int City, int State, int Zip, int Lat, int Long, int CityPop, int Job, int Dob, int TransNum,
        int UnixTime, int MerchLat, int MerchLong, int IsFraud)
    {
        /// <summary>Positions of what <paramref name="mapping"/> names; merchant, card, time and amount must be there.</summary>
        public static ColumnMap From(string[] names, ColumnMapping mapping)
        {
            if (mapping.MissingColumns(names, labelRequired: false) is { } error)
            {
                throw new InvalidDataException(error);
            }
            int Find(string? column) =>
                column is null ? -1 : Array.FindIndex(names, n => string.Equals(n, column, StringComparison.OrdinalIgnoreCase));
            int Optional(string field) => Find(mapping.Columns.GetValueOrDefault(field));

            return new ColumnMap(
                Find(mapping.Time), Find(mapping.Card), Find(mapping.Merchant), Optional("category"), Find(mapping.Amount),
                Optional("first"), Optional("last"), Optional("gender"), Optional("street"), Optional("city"), Optional("state"),
                Optional("zip"), Optional("lat"), Optional("long"), Optional("city_pop"), Optional("job"), Optional("dob"),
                Find(mapping.Id), Optional("unix_time"), Optional("merch_lat"), Optional("merch_long"), Find(mapping.Label));
        }

        public static ColumnMap From(string[] names)
        {
            int Find(string name, bool required)
            {
                var index = Array.FindIndex(names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
                if (index < 0 && required)
                {
                    throw new InvalidDataException(
                        $"The CSV header lacks the column '{name}' (found: {string.Join(", ", names.Where(n => n.Length > 0))}).");
                }
                return index;
            }

            return new ColumnMap(
                Find("trans_date_trans_time", true), Find("cc_num", true), Find("merchant", true), Find("category", true),
                Find("amt", true), Find("first", false), Find("last", false), Find("gender", false), Find("street", false),
                Find("city", false), Find("state", false), Find("zip", false), Find("lat", false), Find("long", false),
                Find("city_pop", false), Find("job", false), Find("dob", false), Find("trans_num", true),
                Find("unix_time", false), Find("merch_lat", false), Find("merch_long", false), Find("is_fraud", false));
        }
    }

    /// <summary>Shares one string per distinct value of a column (bounded), so repeated names are not re-allocated.</summary>
    private sealed class StringPool
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public StringPool() => _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
            {
                return "";
            }
            if (_lookup.TryGetValue(text, out var existing))
            {
                return existing;
            }
            var value = text.ToString();
            if (_values.Count < MaxPooledPerColumn)
            {
                _values[value] = value;
            }
            return value;
        }
    }
}
