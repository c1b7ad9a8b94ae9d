namespace FraudDetection.Producer.Sources;

/// <summary>
/// The card history sent ahead of a replay (<c>Producer:History</c>, <c>replay --history</c>): the rows of each file in
/// turn, moved by the replay's own <see cref="ReplaySource.Shift"/> and labelled <see cref="ScenarioLabel"/>, which the
/// Kafka sink turns into the <see cref="Topics.HistoryHeader"/> header. Scoring folds these rows into the card state
/// without scoring them — what <c>backtest --history</c> does offline. The rows must come in event-time order (Scoring
/// skips a history row older than what it has already seen, so that history sent twice is not folded in twice).
/// </summary>
public sealed class HistorySource : ITransactionSource
{
    public const string ScenarioLabel = "history";

    private readonly IReadOnlyList<string> _files;
    private readonly TimeSpan _shift;
    private readonly Action<CsvRowError>? _onError;
    private int _file = -1;
    private TextReader? _text;
    private TransactionCsvReader? _reader;
    private long _skippedBefore;
    private long _row;
    private DateTime _previous = DateTime.MinValue;

    public HistorySource(IReadOnlyList<string> files, TimeSpan shift, Action<CsvRowError>? onError = null)
    {
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The history file '{file}' does not exist.", file);
            }
        }
        _files = files;
        _shift = shift;
        _onError = onError;
    }

    public string Description => $"history {string.Join(", ", _files.Select(Path.GetFileName))}";

    public long Skipped => _skippedBefore + (_reader?.RowsSkipped ?? 0);

    public bool TryNext(out Transaction transaction, out string scenario)
    {
        scenario = ScenarioLabel;
        while (true)
        {
            if (_reader is not null && _reader.TryRead(out var row))
            {
                _row++;
                if (row.TransDateTransTime < _previous)
                {
                    throw new InvalidDataException(
                        $"The history is not in event-time order: row {_row:N0} ({Path.GetFileName(_files[_file])}, {row.TransDateTransTime:yyyy-MM-dd HH:mm:ss}) comes after {_previous:yyyy-MM-dd HH:mm:ss}; sort it by trans_date_trans_time.");
                }
                _previous = row.TransDateTransTime;
                transaction = ReplayShift.Apply(row, _shift);
                return true;
            }
            Close();
            if (++_file >= _files.Count)
            {
                transaction = null!;
                return false;
            }
            _text = TransactionCsv.OpenText(_files[_file]);
            _reader = new TransactionCsvReader(_text, _onError);
        }
    }

    private void Close()
    {
        _skippedBefore += _reader?.RowsSkipped ?? 0;
        _reader = null;
        _text?.Dispose();
        _text = null;
    }

    public void Dispose()
    {
        Close();
        _file = _files.Count;
    }
}
