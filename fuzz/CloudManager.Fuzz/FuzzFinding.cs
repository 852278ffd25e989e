namespace CloudManager.Fuzz;

/// <summary>A check on an input's result failed: reported to the fuzzer as a crash, like an unexpected exception.</summary>
internal sealed class FuzzFinding(string message) : Exception(message);
