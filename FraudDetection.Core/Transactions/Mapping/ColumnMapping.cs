using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace FraudDetection.Core.Transactions.Mapping;

/// <summary>
/// Which columns of a CSV file hold which transaction field, for files that are not in the Kaggle layout.
/// Card, merchant, time, amount and label are required; every other Kaggle field is optional and absent when not
/// mapped (features that need it are undefined). Given as a preset name (<c>kaggle</c>, <c>handbook</c>), a small
/// YAML or JSON file, or <c>field=column</c> pairs on a command line (<see cref="Resolve"/>).
/// </summary>
public sealed record ColumnMapping
{
    /// <summary>The mapping's keys for the required roles and the optional ones (Kaggle names work as aliases).</summary>
    public const string CardKey = "card", MerchantKey = "merchant", TimeKey = "time", AmountKey = "amount", LabelKey = "label", IdKey = "id", TimeFormatKey = "time_format";

    /// <summary>Time written as seconds since 1970-01-01 (read as the wall-clock time it denotes in UTC).</summary>
    public const string UnixSeconds = "unix";

    /// <summary>Time written as milliseconds since 1970-01-01.</summary>
    public const string UnixMilliseconds = "unix_ms";

    /// <summary>The Kaggle fields a mapping may add (everything but the required roles and the id).</summary>
    public static IReadOnlyList<string> OptionalFields { get; } =
    [
        "category", "first", "last", "gender", "street", "city", "state", "zip", "lat", "long", "city_pop", "job", "dob",
        "unix_time", "merch_lat", "merch_long",
    ];

    private static readonly Dictionary<string, string> RoleAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        [CardKey] = CardKey, ["cc_num"] = CardKey, ["customer"] = CardKey,
        [MerchantKey] = MerchantKey, ["terminal"] = MerchantKey,
        [TimeKey] = TimeKey, ["trans_date_trans_time"] = TimeKey,
        [AmountKey] = AmountKey, ["amt"] = AmountKey,
        [LabelKey] = LabelKey, ["is_fraud"] = LabelKey,
        [IdKey] = IdKey, ["trans_num"] = IdKey,
        [TimeFormatKey] = TimeFormatKey,
    };

    /// <summary>The Kaggle layout itself: the file's own column names, read as <see cref="TransactionCsv"/> always has.</summary>
    public static ColumnMapping Kaggle { get; } = new()
    {
        Name = "kaggle",
        Card = "cc_num",
        Merchant = "merchant",
        Time = "trans_date_trans_time",
        Amount = "amt",
        Label = "is_fraud",
        Id = "trans_num",
        Columns = OptionalFields.ToDictionary(f => f, f => f, StringComparer.Ordinal),
    };

    /// <summary>
    /// The Fraud Detection Handbook's simulated data (Le Borgne et al.): <c>TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID,
    /// TERMINAL_ID, TX_AMOUNT, TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD, TX_FRAUD_SCENARIO</c>. The scenario column is
    /// never read (it would leak the label).
    /// </summary>
    public static ColumnMapping Handbook { get; } = new()
    {
        Name = "handbook",
        Card = "CUSTOMER_ID",
        Merchant = "TERMINAL_ID",
        Time = "TX_DATETIME",
        Amount = "TX_AMOUNT",
        Label = "TX_FRAUD",
        Id = "TRANSACTION_ID",
    };

    public static IReadOnlyDictionary<string, ColumnMapping> Presets { get; } =
        new Dictionary<string, ColumnMapping>(StringComparer.OrdinalIgnoreCase) { [Kaggle.Name] = Kaggle, [Handbook.Name] = Handbook };

    /// <summary>Where the mapping came from (a preset's name or a file name), for messages and model metadata.</summary>
    public string Name { get; init; } = "custom";

    public required string Card { get; init; }
    public required string Merchant { get; init; }
    public required string Time { get; init; }
    public required string Amount { get; init; }
    public required string Label { get; init; }

    /// <summary>The transaction id column; without one a row's id is its line number in the file.</summary>
    public string? Id { get; init; }

    /// <summary>How <see cref="Time"/> is written: null for <c>yyyy-MM-dd HH:mm:ss</c> (or any form .NET reads),
    /// <see cref="UnixSeconds"/>, <see cref="UnixMilliseconds"/>, or a .NET custom date-time format.</summary>
    public string? TimeFormat { get; init; }

    /// <summary>Optional Kaggle fields (<see cref="OptionalFields"/>) → the file's column.</summary>
    public IReadOnlyDictionary<string, string> Columns { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>True for the Kaggle layout read as is (strict card numbers, category required).</summary>
    public bool IsKaggle => ReferenceEquals(this, Kaggle);

    /// <summary>The Kaggle fields this data set has: the required ones, the id when mapped, and the mapped optional ones.</summary>
    public IReadOnlySet<string> Fields => _fields ??= new HashSet<string>(
        ["cc_num", "merchant", "trans_date_trans_time", "amt", "is_fraud", "trans_num", .. Columns.Keys], StringComparer.Ordinal);

    private HashSet<string>? _fields;

    /// <summary>The inputs the data set carries, for the feature code (features without their inputs are undefined).</summary>
    public TransactionInputs Inputs => IsKaggle ? TransactionInputs.All : TransactionInputNames.FromKaggleColumns(Fields);

    /// <summary>True when the data set has the Kaggle field <paramref name="field"/>.</summary>
    public bool Has(string field) => Fields.Contains(field);

    /// <summary>
    /// The mapping a user asked for: <paramref name="mapping"/> is a preset name or a YAML/JSON file (null: Kaggle, or
    /// nothing when <paramref name="overrides"/> define every required role), then each <c>field=column</c> of
    /// <paramref name="overrides"/> on top. Throws <see cref="InvalidDataException"/> with a one-line reason.
    /// </summary>
    public static ColumnMapping Resolve(string? mapping, IEnumerable<string>? overrides = null)
    {
        var pairs = (overrides ?? []).Select(ParsePair).ToList();
        if (mapping is null && pairs.Count == 0)
        {
            return Kaggle;
        }
        ColumnMapping? baseMapping = null;
        if (mapping is not null)
        {
            baseMapping = Presets.TryGetValue(mapping.Trim(), out var preset) ? preset : FromFile(mapping);
        }
        return pairs.Count == 0 ? baseMapping! : Build(baseMapping, pairs, baseMapping?.Name ?? "command line");
    }

    /// <summary>Reads a mapping file: YAML or JSON (JSON is YAML), one <c>field: column</c> per entry.</summary>
    public static ColumnMapping FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException(
                $"Mapping '{path}' is neither a preset ({string.Join(", ", Presets.Keys)}) nor an existing file.");
        }
        var stream = new YamlStream();
        try
        {
            using var reader = File.OpenText(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"Mapping file {path} does not parse as YAML or JSON: {e.Message}");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"Mapping file {path} must hold one object of field: column entries.");
        }
        var pairs = new List<(string, string)>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || valueNode is not YamlScalarNode { Value: { } value })
            {
                throw new InvalidDataException($"Mapping file {path}: every entry must be field: column (line {keyNode.Start.Line}).");
            }
            pairs.Add((key, value));
        }
        return Build(null, pairs, Path.GetFileName(path));
    }

    /// <summary>Checks that every column the mapping names is in <paramref name="header"/>; a one-line error otherwise.</summary>
    public string? MissingColumns(IReadOnlyList<string> header, bool labelRequired)
    {
        var names = new HashSet<string>(header, StringComparer.OrdinalIgnoreCase);
        var wanted = new List<(string Field, string Column)> { (CardKey, Card), (MerchantKey, Merchant), (TimeKey, Time), (AmountKey, Amount) };
        if (labelRequired) wanted.Add((LabelKey, Label));
        if (Id is not null) wanted.Add((IdKey, Id));
        wanted.AddRange(Columns.Select(c => (c.Key, c.Value)));
        var missing = wanted.Where(w => !names.Contains(w.Column)).Select(w => $"{w.Field} → '{w.Column}'").ToList();
        return missing.Count == 0
            ? null
            : $"The CSV header lacks what mapping '{Name}' names: {string.Join(", ", missing)} (found: {string.Join(", ", header.Where(h => h.Length > 0))}).";
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: card={Card}, merchant={Merchant}, time={Time}, amount={Amount}, label={Label}")
        + (Id is null ? "" : $", id={Id}") + (TimeFormat is null ? "" : $", time_format={TimeFormat}")
        + string.Concat(Columns.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $", {c.Key}={c.Value}"));

    private static (string Key, string Value) ParsePair(string pair)
    {
        var at = pair.IndexOf('=');
        if (at <= 0 || at == pair.Length - 1)
        {
            throw new InvalidDataException($"--map '{pair}' is not field=column (e.g. card=CUSTOMER_ID).");
        }
        return (pair[..at].Trim(), pair[(at + 1)..].Trim());
    }

    private static ColumnMapping Build(ColumnMapping? start, IEnumerable<(string Key, string Value)> pairs, string name)
    {
        string? card = start?.Card, merchant = start?.Merchant, time = start?.Time, amount = start?.Amount, label = start?.Label;
        string? id = start?.Id, timeFormat = start?.TimeFormat;
        var columns = new Dictionary<string, string>(start?.Columns ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (rawKey, value) in pairs)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidDataException($"Mapping '{name}': '{rawKey}' names no column.");
            }
            if (RoleAliases.TryGetValue(rawKey, out var role))
            {
                switch (role)
                {
                    case CardKey: card = value; break;
                    case MerchantKey: merchant = value; break;
                    case TimeKey: time = value; break;
                    case AmountKey: amount = value; break;
                    case LabelKey: label = value; break;
                    case IdKey: id = value; break;
                    default: timeFormat = value; break;
                }
                continue;
            }
            var field = OptionalFields.FirstOrDefault(f => string.Equals(f, rawKey, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException(
                    $"Mapping '{name}': unknown field '{rawKey}' (use card, merchant, time, amount, label, id, time_format or one of {string.Join(", ", OptionalFields)}).");
            columns[field] = value;
        }
        var missing = new[] { (CardKey, card), (MerchantKey, merchant), (TimeKey, time), (AmountKey, amount), (LabelKey, label) }
            .Where(r => r.Item2 is null).Select(r => r.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"Mapping '{name}' lacks the required {string.Join(", ", missing)} (card, merchant, time, amount and label are required).");
        }
        return new ColumnMapping
        {
            Name = name,
            Card = card!,
            Merchant = merchant!,
            Time = time!,
            Amount = amount!,
            Label = label!,
            Id = id,
            TimeFormat = timeFormat,
            Columns = columns,
        };
    }
}
