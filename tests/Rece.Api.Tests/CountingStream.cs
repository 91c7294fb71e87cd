namespace Rece.Api.Tests;

/// <summary>A read-only stream of <paramref name="length"/> filler bytes that counts what was read: proves a reader
/// stopped at its cap.</summary>
internal sealed class CountingStream(long length, byte filler = (byte)' ') : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = (int)Math.Min(count, length - BytesRead);
        buffer.AsSpan(offset, n).Fill(filler);
        BytesRead += n;
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
