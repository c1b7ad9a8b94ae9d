namespace FraudDetection.Producer.Sources;

/// <summary>
/// Replays a Kaggle-schema CSV file (plain or gzip), or one in another layout through a <see cref="ColumnMapping"/>,
/// in file order. Unless <c>keepTime</c>, rows move by <see cref="Shift"/>: the whole weeks that bring the first event
/// into the week before now, with each dob moved by the same days (<see cref="ReplayShift"/>), so every feature equals
/// the original rows'. With <c>loop</c> the file starts over after its end, moved on by whole weeks past the previous
/// pass, with trans_num suffixed "-1", "-2"... so every event stays unique. A <c>startRow</c> skips that many rows (a
/// resumed replay; with <c>loop</c> counted across passes), with the shift still fixed by the file's first row.
/// </summary>
public sealed class ReplaySource : ITransactionSource
{
    public const string ScenarioLabel = "replay";

    private readonly string _path;
    private readonly bool _loop;
    private readonly Action<CsvRowError>? _onError;
    private readonly ColumnMapping? _mapping;
    private TextReader? _text;
    private TransactionCsvReader? _reader;
    private Transaction? _peeked;
    private int _pass;
    private long _passRows;
    private long _skippedBefore;
    private TimeSpan _passShift;
    private DateTime _passFirst;
    private DateTime _passLast;

    public ReplaySource(string path, bool loop = false, bool keepTime = false, TimeProvider? time = null, Action<CsvRowError>? onError = null,
        ColumnMapping? mapping = null, long startRow = 0)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The replay file '{path}' does not exist.", path);
        }
        _path = path;
        _loop = loop;
        _onError = onError;
        _mapping = mapping is null || mapping.IsKaggle ? null : mapping;
        Open();
        // The first row fixes the shift before anything is sent: history sent ahead of the replay moves with it.
        if (!keepTime && _reader!.TryRead(out var first))
        {
            _peeked = first;
            Shift = ReplayShift.ToNow(first.TransDateTransTime, (time ?? TimeProvider.System).GetLocalNow().DateTime);
        }
        _passShift = Shift;
        StartRow = Skip(startRow);
    }

    /// <summary>The rows skipped before the first sent (0 unless resumed; with <c>loop</c> counted across passes).</summary>
    public long StartRow { get; }

    /// <summary>How far the first pass moves every row: whole weeks, zero with <c>keepTime</c>.</summary>
    public TimeSpan Shift { get; }

    public string Description => $"replay {Path.GetFileName(_path)}" + (_loop ? $" (pass {_pass + 1})" : "");

    public long Skipped => _skippedBefore + (_reader?.RowsSkipped ?? 0);

    public ColumnMapping? Mapping => _mapping;

    public bool TryNext(out Transaction transaction, out string scenario)
    {
        scenario = ScenarioLabel;
        while (true)
        {
            if (_reader is null)
            {
                transaction = null!;
                return false;
            }
            if (_peeked is { } peeked)
            {
                _peeked = null;
                transaction = Adjust(peeked);
                return true;
            }
            if (_reader.TryRead(out var row))
            {
                transaction = Adjust(row);
                return true;
            }
            if (!_loop || _passRows == 0)
            {
                Close();
                transaction = null!;
                return false;
            }
            NextPass();
        }
    }

    /// <summary>The next pass: whole weeks on, so that it starts after this pass's last event and keeps every feature.</summary>
    private void NextPass()
    {
        _passShift += ReplayShift.Beyond(_passLast - _passFirst);
        _pass++;
        Close();
        Open();
    }

    private Transaction Adjust(Transaction row)
    {
        if (_passRows++ == 0)
        {
            _passFirst = row.TransDateTransTime;
        }
        _passLast = row.TransDateTransTime;
        var shifted = ReplayShift.Apply(row, _passShift);
        if (_mapping is not null && !_mapping.Has("unix_time"))
        {
            shifted = shifted with { UnixTime = row.UnixTime }; // a layout without unix_time leaves it unset
        }
        return _pass == 0 ? shifted : shifted with { TransNum = $"{row.TransNum}-{_pass}" };
    }

    /// <summary>
    /// Reads past the first <paramref name="rows"/> rows, counted across passes when looping (a looped replay's position
    /// passes the end of the file); past the end of a file that does not loop, starts from the top.
    /// </summary>
    private long Skip(long rows)
    {
        for (long i = 0; i < rows; i++)
        {
            Transaction row;
            if (_peeked is { } peeked)
            {
                _peeked = null;
                row = peeked;
            }
            else if (!_reader!.TryRead(out row))
            {
                if (_loop && _passRows > 0)
                {
                    NextPass();
                    i--;
                    continue;
                }
                Close();
                _skippedBefore = 0;
                Open();
                return 0;
            }
            if (_passRows++ == 0)
            {
                _passFirst = row.TransDateTransTime;
            }
            _passLast = row.TransDateTransTime;
        }
        return rows;
    }

    private void Open()
    {
        _text = TransactionCsv.OpenText(_path);
        _reader = new TransactionCsvReader(_text, _mapping, _onError);
        _passRows = 0;
    }

    private void Close()
    {
        _skippedBefore += _reader?.RowsSkipped ?? 0;
        _reader = null;
        _text?.Dispose();
        _text = null;
    }

    public void Dispose() => Close();
}
