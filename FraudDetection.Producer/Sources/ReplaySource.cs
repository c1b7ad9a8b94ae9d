namespace FraudDetection.Producer.Sources;

/// <summary>
/// Replays a Kaggle-schema CSV file (plain or gzip) in file order. Unless <c>keepTime</c>, event times are shifted so
/// that the first event is "now" (unix_time shifted by the same seconds, gaps between events kept). With
/// <c>loop</c> the file starts over after its end, continuing the timeline, with trans_num suffixed "-1", "-2"...
/// so every event stays unique. A <c>startRow</c> skips that many rows of the first pass (a resumed replay); the
/// timeline is kept as if they had been sent.
/// </summary>
public sealed class ReplaySource : ITransactionSource
{
    public const string ScenarioLabel = "replay";

    private readonly string _path;
    private readonly bool _loop;
    private readonly bool _keepTime;
    private readonly TimeProvider _time;
    private readonly Action<CsvRowError>? _onError;
    private TextReader? _text;
    private TransactionCsvReader? _reader;
    private int _pass;
    private long _passRows;
    private long _skippedBefore;
    private TimeSpan _shift;
    private bool _shiftKnown;
    private DateTime _passFirst;
    private DateTime _passLast;

    public ReplaySource(string path, bool loop = false, bool keepTime = false, TimeProvider? time = null, Action<CsvRowError>? onError = null, long startRow = 0)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The replay file '{path}' does not exist.", path);
        }
        _path = path;
        _loop = loop;
        _keepTime = keepTime;
        _time = time ?? TimeProvider.System;
        _onError = onError;
        Open();
        StartRow = Skip(startRow);
    }

    /// <summary>The row of the file the first pass started at (0 unless resumed within the file).</summary>
    public long StartRow { get; }

    public string Description => $"replay {Path.GetFileName(_path)}" + (_loop ? $" (pass {_pass + 1})" : "");

    public long Skipped => _skippedBefore + (_reader?.RowsSkipped ?? 0);

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
            // Next pass: continue the timeline one second after this pass's last event.
            _shift += _passLast - _passFirst + TimeSpan.FromSeconds(1);
            _pass++;
            Close();
            Open();
        }
    }

    private Transaction Adjust(Transaction row)
    {
        if (_passRows++ == 0)
        {
            _passFirst = row.TransDateTransTime;
        }
        _passLast = row.TransDateTransTime;
        if (!_shiftKnown)
        {
            // Whole seconds, so that unix_time moves by exactly the same amount.
            var now = _time.GetLocalNow().DateTime;
            _shift = _keepTime ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Round((now - row.TransDateTransTime).TotalSeconds));
            _shiftKnown = true;
        }
        if (_shift == TimeSpan.Zero && _pass == 0)
        {
            return row;
        }
        return row with
        {
            TransDateTransTime = row.TransDateTransTime + _shift,
            UnixTime = row.UnixTime + (long)_shift.TotalSeconds,
            TransNum = _pass == 0 ? row.TransNum : $"{row.TransNum}-{_pass}",
        };
    }

    /// <summary>Reads past the first <paramref name="rows"/> rows; past the end of the file, starts from the top.</summary>
    private long Skip(long rows)
    {
        for (long i = 0; i < rows; i++)
        {
            if (!_reader!.TryRead(out var row))
            {
                Close();
                _skippedBefore = 0;
                Open();
                return 0;
            }
            if (_passRows++ == 0)
            {
                _passFirst = row.TransDateTransTime;
            }
        }
        return rows;
    }

    private void Open()
    {
        _text = TransactionCsv.OpenText(_path);
        _reader = new TransactionCsvReader(_text, _onError);
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
