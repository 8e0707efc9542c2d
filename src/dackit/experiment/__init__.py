"""dackit.experiment"""
