"""dackit.eos"""
