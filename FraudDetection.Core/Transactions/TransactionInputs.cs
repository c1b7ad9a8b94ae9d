namespace FraudDetection.Core.Transactions;

/// <summary>
/// Which fields a data set's transactions carry. Card, merchant, time and amount are always there; the rest are
/// optional (a file in another layout maps only some of them). A feature that needs an absent input is undefined
/// (-1) for that data set, and a model is trained without it.
/// </summary>
[Flags]
public enum TransactionInputs
{
    None = 0,

    /// <summary><c>cc_num</c>: the card (or customer) the transaction belongs to.</summary>
    Card = 1 << 0,

    /// <summary><c>merchant</c>: the merchant (or terminal) id.</summary>
    Merchant = 1 << 1,

    /// <summary><c>trans_date_trans_time</c>: local wall-clock time.</summary>
    Time = 1 << 2,

    /// <summary><c>amt</c>.</summary>
    Amount = 1 << 3,

    /// <summary><c>is_fraud</c>: the label, when the data set has one (training, backtests, labelled replays).</summary>
    Label = 1 << 4,

    /// <summary><c>category</c>: the merchant category.</summary>
    Category = 1 << 5,

    /// <summary><c>lat</c>, <c>long</c>: where the card holder lives.</summary>
    HolderLocation = 1 << 6,

    /// <summary><c>merch_lat</c>, <c>merch_long</c>: where the merchant is.</summary>
    MerchantLocation = 1 << 7,

    /// <summary><c>state</c>: the card holder's state.</summary>
    HolderState = 1 << 8,

    /// <summary><c>city_pop</c>: population of the card holder's city.</summary>
    CityPopulation = 1 << 9,

    /// <summary><c>dob</c>: the card holder's date of birth.</summary>
    BirthDate = 1 << 10,

    /// <summary><c>gender</c>.</summary>
    Gender = 1 << 11,

    /// <summary>What every data set has.</summary>
    Required = Card | Merchant | Time | Amount,

    /// <summary>The Kaggle layout: every field.</summary>
    All = Required | Label | Category | HolderLocation | MerchantLocation | HolderState | CityPopulation | BirthDate | Gender,
}

/// <summary>Names and parsing of <see cref="TransactionInputs"/>.</summary>
public static class TransactionInputNames
{
    // Kaggle column → input; an input needs every column that names it (lat and long for HolderLocation).
    private static readonly (string Column, TransactionInputs Input)[] Columns =
    [
        ("cc_num", TransactionInputs.Card), ("merchant", TransactionInputs.Merchant),
        ("trans_date_trans_time", TransactionInputs.Time), ("amt", TransactionInputs.Amount),
        ("is_fraud", TransactionInputs.Label), ("category", TransactionInputs.Category),
        ("lat", TransactionInputs.HolderLocation), ("long", TransactionInputs.HolderLocation),
        ("merch_lat", TransactionInputs.MerchantLocation), ("merch_long", TransactionInputs.MerchantLocation),
        ("state", TransactionInputs.HolderState), ("city_pop", TransactionInputs.CityPopulation),
        ("dob", TransactionInputs.BirthDate), ("gender", TransactionInputs.Gender),
    ];

    /// <summary>
    /// The inputs a data set has, from the Kaggle column names it fills (a column mapping's targets). Card, merchant,
    /// time and amount are always included; an input with two columns needs both.
    /// </summary>
    public static TransactionInputs FromKaggleColumns(IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var present = columns.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var inputs = TransactionInputs.Required;
        foreach (var input in Enum.GetValues<TransactionInputs>())
        {
            var needed = Columns.Where(c => c.Input == input).Select(c => c.Column).ToList();
            if (needed.Count > 0 && needed.All(present.Contains))
            {
                inputs |= input;
            }
        }
        return inputs;
    }

    /// <summary>"card,merchant,time,amount,category" (snake_case, in flag order); the form model metadata and options use.</summary>
    public static string Format(TransactionInputs inputs) =>
        string.Join(',', Enum.GetValues<TransactionInputs>()
            .Where(i => i is not (TransactionInputs.None or TransactionInputs.Required or TransactionInputs.All) && inputs.HasFlag(i))
            .Select(i => Name(i)));

    /// <summary>
    /// Reads <see cref="Format"/>'s form, or <c>all</c>; names are case-insensitive (<c>holder_location</c> or
    /// <c>HolderLocation</c>). The required inputs are always added. Throws ArgumentException naming an unknown input.
    /// </summary>
    public static TransactionInputs Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inputs = TransactionInputs.Required;
        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                inputs |= TransactionInputs.All;
                continue;
            }
            var match = Enum.GetValues<TransactionInputs>().Where(i =>
                Name(i).Equals(part, StringComparison.OrdinalIgnoreCase) || i.ToString().Equals(part, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                throw new ArgumentException($"Unknown transaction input '{part}'; known: {Format(TransactionInputs.All)}.", nameof(text));
            }
            inputs |= match[0];
        }
        return inputs;
    }

    /// <summary>snake_case: <c>holder_location</c>.</summary>
    public static string Name(TransactionInputs input) =>
        string.Concat(input.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
