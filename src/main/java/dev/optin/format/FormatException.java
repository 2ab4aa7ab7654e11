package dev.optin.format;

/** A model, checkpoint or tokenizer file whose content is invalid or unsupported; the message names the file. */
public class FormatException extends RuntimeException {
    public FormatException(String message) { super(message); }
    public FormatException(String message, Throwable cause) { super(message, cause); }
}
