using System.Runtime.InteropServices;

namespace FraudDetection.AppHost.Hosting;

/// <summary>SIGINT to a child process so it shuts down cleanly (.NET's Process offers only SIGKILL).</summary>
internal static class PosixSignals
{
    private const int SigInt = 2;

    public static bool Interrupt(int processId) => !OperatingSystem.IsWindows() && Kill(processId, SigInt) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
