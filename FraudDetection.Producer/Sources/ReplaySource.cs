namespace FraudDetection.Producer.Sources;

/// <summary>
/// Replays a Kaggle-schema CSV file (plain or gzip), or one in another layout through a <see cref="ColumnMapping"/>, in file order. Unless <c>keepTime</c>, event times are shifted so
/// that the first event is "now" (unix_time shifted by the same seconds, gaps between events kept). With
/// <c>loop</c> the file starts over after its end, continuing the timeline, with trans_num suffixed "-1", "-2"...
/// so every event stays unique.
/// </summary>
public sealed class ReplaySource : ITransactionSource
{
    public const string ScenarioLabel = "replay";

    private readonly string _path;
    private readonly bool _loop;
    private readonly bool _keepTime;
    private readonly TimeProvider _time;
    private readonly Action<CsvRowError>? _onError;
    private readonly ColumnMapping? _mapping;
    private TextReader? _text;
    private TransactionCsvReader? _reader;
    private int _pass;
    private long _passRows;
    private long _skippedBefore;
    private TimeSpan _shift;
    private bool _shiftKnown;
    private DateTime _passFirst;
    private DateTime _passLast;

    public ReplaySource(string path, bool loop = false, bool keepTime = false, TimeProvider? time = null, Action<CsvRowError>? onError = null,
        ColumnMapping? mapping = null)
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
        _mapping = mapping is null || mapping.IsKaggle ? null : mapping;
        Open();
    }

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
            UnixTime = _mapping is null || _mapping.Has("unix_time") ? row.UnixTime + (long)_shift.TotalSeconds : row.UnixTime,
            TransNum = _pass == 0 ? row.TransNum : $"{row.TransNum}-{_pass}",
        };
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
