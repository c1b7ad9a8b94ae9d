using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FraudDetection.Graph.Sqlite;

/// <summary>
/// Copies the writer's WAL back into the database on a thread of its own, so the writer does not stall on it
/// (SQLite's automatic checkpoint runs on the committing connection: 100–250 ms per 64 MB here). Checkpoints are
/// PASSIVE — they never block the writer or the API's readers. The WAL only restarts from its beginning when a
/// write begins with every frame copied back, which a checkpointer running beside a busy writer never sees; so once
/// the WAL passes the catch-up length the writer copies the (small) rest itself before its next batch.
/// A trickle of commits (each more than <see cref="TrickleGap"/> after the one before, as at 50 tx/s) is checkpointed
/// at most once per <see cref="TrickleInterval"/>: a checkpoint after each was a wake-up and a write ten times a second.
/// Back-to-back commits are checkpointed after each, as before, so a burst's WAL is measured as often.
/// </summary>
internal sealed class SqliteWalCheckpointer : IDisposable
{
    /// <summary>WAL pages after which the writer catches the checkpoint up itself (and so lets the WAL restart).</summary>
    public const int DefaultWriterCatchUpPages = 16_384;

    private readonly string _connectionString;
    private readonly int _writerCatchUpPages;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    /// <summary>Commits after which the writer measures (and catches up) itself when the checkpointer has not reported.</summary>
    private const int MaxUnmeasuredCommits = 16;

    /// <summary>Commits further apart than this are a trickle.</summary>
    public static readonly TimeSpan TrickleGap = TimeSpan.FromMilliseconds(50);

    /// <summary>The least time between two checkpoints of a trickle.</summary>
    public static readonly TimeSpan TrickleInterval = TimeSpan.FromSeconds(1);

    private volatile int _walPages;
    private volatile bool _trickle;
    private long _lastCommitAt;
    private long _checkpoints;
    private int _commitsSinceMeasured; // a checkpointer starved of CPU must not leave the WAL to grow unseen
    private volatile bool _writerCaughtUp; // the writer copied everything back after the latest commit
    // One checkpoint at a time: the writer's catch-up must run whole (not BUSY beside ours) for the WAL to restart.
    private readonly Lock _checkpointing = new();

    public SqliteWalCheckpointer(string connectionString, int writerCatchUpPages)
    {
        _connectionString = connectionString;
        _writerCatchUpPages = writerCatchUpPages;
        _thread = new Thread(Run) { IsBackground = true, Name = "graph-wal-checkpoint" };
        _thread.Start();
    }

    /// <summary>Checkpoints the checkpointer's thread has run.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>After each committed batch: wakes the checkpointer; before the next one, the writer catches up if the WAL is long.</summary>
    public void Committed(SqliteConnection writer)
    {
        var now = Stopwatch.GetTimestamp();
        _trickle = Stopwatch.GetElapsedTime(Interlocked.Exchange(ref _lastCommitAt, now), now) > TrickleGap;
        _writerCaughtUp = false;
        if (_walPages >= _writerCatchUpPages || Interlocked.Increment(ref _commitsSinceMeasured) >= MaxUnmeasuredCommits)
        {
            lock (_checkpointing)
            {
                var rc = raw.sqlite3_wal_checkpoint_v2(writer.Handle!, null, raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
                SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_BUSY ? raw.SQLITE_OK : rc, writer.Handle);
                _walPages = 0;
                Volatile.Write(ref _commitsSinceMeasured, 0);
                _writerCaughtUp = rc == raw.SQLITE_OK;
            }
        }
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private void Run()
    {
        using var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using (var mode = connection.CreateCommand())
            {
                // A connection learns that the file is in WAL mode on its first read; until then a checkpoint is a no-op.
                mode.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;";
                mode.ExecuteNonQuery();
            }
            var lastCheckpointAt = 0L;
            while (!_stop.IsCancellationRequested)
            {
                _signal.Wait(_stop.Token);
                var wait = TrickleInterval - Stopwatch.GetElapsedTime(lastCheckpointAt);
                if (_trickle && lastCheckpointAt != 0 && wait > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(wait))
                {
                    break;
                }
                lock (_checkpointing)
                {
                    // The writer caught up after the latest commit: nothing is left to copy, and a checkpoint now would
                    // hold the WAL's read locks just as the writer begins its next batch, which keeps the WAL from restarting.
                    if (_writerCaughtUp)
                    {
                        continue;
                    }
                    lastCheckpointAt = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref _checkpoints);
                    var rc = raw.sqlite3_wal_checkpoint_v2(connection.Handle!, null, raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out _);
                    if (rc == raw.SQLITE_OK)
                    {
                        _walPages = log;
                        Volatile.Write(ref _commitsSinceMeasured, 0);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException)
        {
            // The writer's own catch-up and SQLite's automatic checkpoint (the safety net) still bound the WAL.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
        _signal.Dispose();
    }
}
