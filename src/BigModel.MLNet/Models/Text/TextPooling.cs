namespace BigModel.MLNet.Models.Text;

/// <summary>How the encoder's token states become one vector for the classifier.</summary>
public enum TextPooling
{
    /// <summary>The mean over the text's tokens (what sentence-transformers models such as MiniLM were trained for).</summary>
    Mean,
    /// <summary>The state of the leading <c>[CLS]</c> token (BERT's classification convention).</summary>
    Cls,
}
